"""kiln serve end to end: moto S3 in auth mode + kiln serve + a k-NN-like client.

Usage: serve_e2e.py KILN_BINARY [OPENSEARCH_FACTORY]
Every scenario asserts real outcomes: exact replies, the .faiss loaded by
Debian's libfaiss with the right ids and a recall floor, failures ending in
FAILED_INDEX_BUILD with a useful error_message while the service keeps
serving, restarts mid-build and after completion, 401s.
"""
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from knn_client import HttpError, KnnClient  # noqa: E402
from moto_server import MotoServer, free_port  # noqa: E402

BUCKET = "knn-repo"


class KilnServe:
    def __init__(self, binary, data_dir, env, args=(), scheme="http"):
        self.port = free_port()
        self.endpoint = f"{scheme}://127.0.0.1:{self.port}"
        os.makedirs(data_dir, exist_ok=True)
        self.log_path = os.path.join(data_dir, f"serve-{self.port}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", data_dir,
                                      *args], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.endpoint + "/_heart_beat", timeout=0.5,
                                       context=ssl._create_unverified_context())
                return
            except urllib.error.HTTPError:
                return  # answering (401 with auth on)
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError("kiln serve exited: " + open(self.log_path).read())
                time.sleep(0.05)
        raise RuntimeError("kiln serve did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.log.close()


def make_and_upload(s3, work, key_prefix, kind, n, d, seed, id_step=1, truncate=0):
    """Generates blobs with Debian's numpy and uploads .knnvec/.knndid; returns the local prefix."""
    local = os.path.join(work, key_prefix.replace("/", "_"))
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_blobs.py"), local, kind, str(n), str(d), str(seed),
                    str(id_step), str(truncate)], check=True)
    for ext in (".knnvec", ".knndid"):
        with open(local + ext, "rb") as f:
            s3.put_object(Bucket=BUCKET, Key=key_prefix + ext, Body=f.read())
    return local


def faiss_check(local_index, prefix, metric, nested, floor):
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "faiss_check_knn.py"), local_index, prefix + ".npy",
                    prefix + "_ids.npy", metric, nested, str(floor)], check=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok -", what)


def main():
    binary = sys.argv[1]
    factory = sys.argv[2] if len(sys.argv) > 2 else ""
    nested = "HNSW" if not factory else "Flat"
    work = tempfile.mkdtemp(prefix="kiln-serve-e2e-")
    moto = MotoServer(os.path.join(work, "moto.log"))
    servers = []
    try:
        s3 = moto.s3()
        s3.create_bucket(Bucket=BUCKET)
        env = dict(os.environ, **moto.env())
        extra = ["--opensearch-store", "s3", "--workers", "2", "--retention", "3600"]
        if factory:
            extra += ["--opensearch-factory", factory]
        data = os.path.join(work, "data")
        serve = KilnServe(binary, data, env, extra)
        servers.append(serve)
        client = KnnClient(serve.endpoint)

        # 1. float / l2: build, download, load with libfaiss.
        n, d = 3000, 32
        blob = "vectors/idx_vectors/UUIDa_my.field__0"
        prefix_a = make_and_upload(s3, work, blob, "float", n, d, 1, id_step=2)  # sparse ascending doc ids
        body = KnnClient.request_body(BUCKET, blob, "cluster-a", d, n)
        job = client.submit(body)
        check(client.submit(body) == job, "resubmitting the same vector_path + tenant returns the same job")
        st = client.await_build(job)
        check(st == {"task_status": "COMPLETED_INDEX_BUILD", "file_name": "UUIDa_my.field__0.faiss"},
              f"float build completed with exactly task_status + file_name: {st}")
        local = os.path.join(work, "a.faiss")
        s3.download_file(BUCKET, "vectors/idx_vectors/" + st["file_name"], local)
        faiss_check(local, prefix_a, "l2", nested, 0.9)

        # 2. byte / innerproduct.
        prefix_b = make_and_upload(s3, work, "b/seg", "byte", 500, 16, 2)
        st = client.await_build(client.submit(KnnClient.request_body(BUCKET, "b/seg", "cluster-a", 16, 500,
                                                                      data_type="byte", space_type="innerproduct")))
        check(st["task_status"] == "COMPLETED_INDEX_BUILD", f"byte/innerproduct build completed: {st}")
        s3.download_file(BUCKET, "b/seg.faiss", os.path.join(work, "b.faiss"))
        faiss_check(os.path.join(work, "b.faiss"), prefix_b, "ip", nested, 0.8)

        # 3. 422 and 404.
        bad = dict(body, unexpected=1)
        try:
            client.submit(bad)
            check(False, "unknown field rejected")
        except HttpError as e:
            check(e.code == 422 and '"field":"unexpected"' in e.body, f"unknown top-level field is 422: {e.body}")
        try:
            client.status("0" * 64)
            check(False, "unknown job 404")
        except HttpError as e:
            check(e.code == 404 and json.loads(e.body) == {"detail": "Job not found"}, "unknown job is 404")

        # 4. S3 errors end in FAILED_INDEX_BUILD with a useful message.
        st = client.await_build(client.submit(KnnClient.request_body(BUCKET, "missing/blob", "c", 4, 10)))
        check(st["task_status"] == "FAILED_INDEX_BUILD" and "HTTP 404 NoSuchKey" in st["error_message"]
              and "s3://knn-repo/missing/blob.knnvec" in st["error_message"], f"missing object: {st}")
        make_and_upload(s3, work, "t/trunc", "float", 10, 4, 3, truncate=4)
        st = client.await_build(client.submit(KnnClient.request_body(BUCKET, "t/trunc", "c", 4, 10)))
        check(st["task_status"] == "FAILED_INDEX_BUILD" and "156 bytes, expected doc_count 10 x 16 bytes" in
              st["error_message"], f"truncated blob: {st}")
        check(client.get("/_heart_beat")[0] == 200, "service keeps serving after failures")

        wrong = KilnServe(binary, os.path.join(work, "wrong"), dict(env, AWS_SECRET_ACCESS_KEY="wrong"), extra)
        servers.append(wrong)
        st = KnnClient(wrong.endpoint).await_build(KnnClient(wrong.endpoint).submit(body))
        check(st["task_status"] == "FAILED_INDEX_BUILD" and "SignatureDoesNotMatch" in st["error_message"]
              and "wrong" not in st["error_message"].replace("wrong-", ""), f"wrong secret: {st}")
        wrong.stop()
        down = KilnServe(binary, os.path.join(work, "down"), dict(env, AWS_ENDPOINT_URL_S3="http://127.0.0.1:1"),
                         extra)
        servers.append(down)
        st = KnnClient(down.endpoint).await_build(KnnClient(down.endpoint).submit(body))
        check(st["task_status"] == "FAILED_INDEX_BUILD" and "gave up after" in st["error_message"],
              f"S3 server down: {st}")
        down.stop()

        # 5. Restart mid-build (SIGKILL while running) and after completion.
        n2, d2 = 20000, 64
        make_and_upload(s3, work, "r/seg", "float", n2, d2, 4)
        rjob = client.submit(KnnClient.request_body(BUCKET, "r/seg", "cluster-r", d2, n2))
        for _ in range(400):
            state = json.loads(client.get("/v1/jobs/" + rjob, {"X-Kiln-Tenant": "cluster-r"})[1])["state"]
            if state != "queued":
                break
            time.sleep(0.01)
        print("state when killed:", state)
        serve.stop(signal.SIGKILL)
        serve = KilnServe(binary, data, env, extra)
        servers.append(serve)
        client = KnnClient(serve.endpoint)
        check(client.status(job) == {"task_status": "COMPLETED_INDEX_BUILD", "file_name": "UUIDa_my.field__0.faiss"},
              "a job completed before the restart still answers /_status")
        st = client.await_build(rjob)
        check(st == {"task_status": "COMPLETED_INDEX_BUILD", "file_name": "seg.faiss"},
              f"the job interrupted by SIGKILL is requeued and completes: {st}")
        check(client.submit(KnnClient.request_body(BUCKET, "r/seg", "cluster-r", d2, n2)) == rjob,
              "resubmission after restart returns the same job")
        jobs = json.loads(json.loads(client.get("/_jobs?tenant_id=cluster-r")[1]))  # double-encoded, as RVIB
        check(list(jobs) == [rjob], "/_jobs lists only the tenant's jobs")

        metrics = client.get("/metrics")[1]
        check("kiln_index_build_success_total 1" in metrics and "kiln_object_store_read_success_total 1" in metrics,
              "metrics of the restarted service count its own build")
        serve.stop()

        # 6. Basic auth.
        auth_env = dict(env, KILN_SERVE_AUTH_PASSWORD="pw")
        secured = KilnServe(binary, os.path.join(work, "auth"), auth_env, extra + ["--auth-user", "knn"])
        servers.append(secured)
        try:
            KnnClient(secured.endpoint).submit(body)
            check(False, "401 without credentials")
        except HttpError as e:
            check(e.code == 401, "POST /_build without credentials is 401")
        try:
            KnnClient(secured.endpoint, "knn", "bad").status(job)
            check(False, "401 with a wrong password")
        except HttpError as e:
            check(e.code == 401, "wrong password is 401")
        ok_job = KnnClient(secured.endpoint, "knn", "pw").submit(body)
        check(ok_job == job, "with the right Basic credentials the build is accepted")
        secured.stop()

        # 7. TLS with a throwaway self-signed certificate.
        cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                        "-days", "1", "-keyout", key, "-out", cert], check=True, capture_output=True)
        tls = KilnServe(binary, os.path.join(work, "tls"), env, extra + ["--tls-cert", cert, "--tls-key", key],
                        scheme="https")
        servers.append(tls)
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False
        with urllib.request.urlopen(tls.endpoint + "/_heart_beat", context=context) as r:
            check(r.status == 200 and json.loads(r.read()) == "remote-vector-index-builder-api",
                  "TLS: /_heart_beat over https with the server's certificate")
        tls.stop()
        print("serve_e2e: all scenarios passed")
    finally:
        for s in servers:
            try:
                s.stop(signal.SIGKILL)
            except Exception:
                pass
        moto.stop()


if __name__ == "__main__":
    main()
