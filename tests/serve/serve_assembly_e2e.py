"""kiln serve assembles OpenSearch indexes in S3 (moto, auth mode).

Usage: serve_assembly_e2e.py KILN_BINARY
For a float .knnvec of more than 10 MiB the .faiss is one multipart upload
whose vector payload is copied from the .knnvec (UploadPartCopy). Asserts:
the object is byte-identical to `kiln build` of the same index from local
files and loads in Debian's libfaiss; the report counts the copied and sent
bytes; with KILN_S3_SERVER_SIDE_COPY=0 the same bytes are uploaded instead;
a job cancelled during the build publishes nothing and leaves no upload.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from knn_client import KnnClient  # noqa: E402
from moto_server import MotoServer  # noqa: E402
from serve_e2e import BUCKET, KilnServe, check, faiss_check, make_and_upload  # noqa: E402

MIB = 1 << 20


def read(path):
    with open(path, "rb") as f:
        return f.read()


def local_build(binary, prefix, d, out, m=16):
    subprocess.run([binary, "--threads", "1", "--quiet", "build", "--input", prefix + ".knnvec", "--dimension", str(d),
                    "--knnvec-type", "float", "--ids", prefix + ".knndid", "--index-type", "HNSWFLAT", "--param",
                    f"m={m}", "--param", "ef_c=100", "--param", "ef_s=100", "--metric", "l2", "--output", out],
                   check=True, stdout=subprocess.DEVNULL)
    return read(os.path.join(out, "faiss.index"))


def build_remote(s3, client, blob, tenant, d, n, local_path, m=16):
    job = client.submit(KnnClient.request_body(BUCKET, blob, tenant, d, n, m=m))
    st = client.await_build(job, timeout=300)
    check(st["task_status"] == "COMPLETED_INDEX_BUILD", f"{tenant}: build completed: {st}")
    s3.download_file(BUCKET, blob + ".faiss", local_path)
    return json.loads(client.get(f"/v1/jobs/{job}/result", {"X-Kiln-Tenant": tenant})[1])["report"]


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="kiln-serve-assembly-")
    moto = MotoServer(os.path.join(work, "moto.log"))
    servers = []
    try:
        s3 = moto.s3()
        s3.create_bucket(Bucket=BUCKET)
        env = dict(os.environ, **moto.env())
        extra = ["--opensearch-store", "s3", "--workers", "1", "--build-threads", "1"]
        n, d = 3000, 1024  # 12.3 MB of vectors, graph < 5 MiB: part 1 = graph + 5 MiB of vectors
        blob = "asm/seg"
        prefix = make_and_upload(s3, work, blob, "float", n, d, 7, id_step=3)
        expected = local_build(binary, prefix, d, os.path.join(work, "local"))

        # 1. Vectors copied inside S3: byte-identical to the local build, loads in libfaiss.
        serve = KilnServe(binary, os.path.join(work, "copy"), env, extra)
        servers.append(serve)
        client = KnnClient(serve.endpoint)
        got = os.path.join(work, "copied.faiss")
        report = build_remote(s3, client, blob, "copy", d, n, got)
        check(read(got) == expected, f"assembled .faiss is byte-identical to kiln build ({len(expected)} bytes)")
        vector_bytes = n * d * 4
        check(report["upload_copied_bytes"] == vector_bytes - 5 * MIB and
              report["upload_sent_bytes"] == len(expected) - report["upload_copied_bytes"],
              f"report: {report['upload_copied_bytes']} bytes copied in S3, {report['upload_sent_bytes']} sent")
        faiss_check(got, prefix, "l2", "HNSW", 0.9)
        # M 64: the graph alone exceeds 5 MiB, so all vector bytes are copied.
        n64, d64 = 10240, 128
        prefix64 = make_and_upload(s3, work, "asm/m64", "float", n64, d64, 9)
        expected64 = local_build(binary, prefix64, d64, os.path.join(work, "local64"), m=64)
        got64 = os.path.join(work, "m64.faiss")
        report = build_remote(s3, client, "asm/m64", "copy", d64, n64, got64, m=64)
        check(read(got64) == expected64 and report["upload_copied_bytes"] == n64 * d64 * 4,
              f"M 64: byte-identical, all {n64 * d64 * 4} vector bytes copied in S3")

        # 2. A job cancelled during the build publishes nothing and aborts its upload.
        n2, d2 = 12000, 256
        make_and_upload(s3, work, "asm/cancel", "float", n2, d2, 8)
        job = client.submit(KnnClient.request_body(BUCKET, "asm/cancel", "copy", d2, n2))
        phase = ""
        for _ in range(1000):
            phase = json.loads(client.get(f"/v1/jobs/{job}", {"X-Kiln-Tenant": "copy"})[1]).get("phase", "")
            if phase not in ("", "queued", "download"):
                break
            time.sleep(0.01)
        client._call("DELETE", f"/v1/jobs/{job}", headers={"X-Kiln-Tenant": "copy"})
        st = client.await_build(job, timeout=120)
        check(st["task_status"] == "FAILED_INDEX_BUILD", f"cancelled in phase {phase!r}: {st}")
        objects = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        check("asm/cancel.faiss" not in objects, "no .faiss published for the cancelled job")
        log = read(os.path.join(work, "moto.log")).decode()
        check(f"POST /{BUCKET}/asm/cancel.faiss?uploads=" in log and f"DELETE /{BUCKET}/asm/cancel.faiss?uploadId=" in log
              and s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [],
              "the cancelled job's multipart upload was started, then aborted")
        serve.stop()

        # 3. Server-side copy off: the vectors are sent; the same bytes.
        fallback = KilnServe(binary, os.path.join(work, "send"), dict(env, KILN_S3_SERVER_SIDE_COPY="0"), extra)
        servers.append(fallback)
        got = os.path.join(work, "sent.faiss")
        report = build_remote(s3, KnnClient(fallback.endpoint), blob, "send", d, n, got)
        check(read(got) == expected and report["upload_copied_bytes"] == 0 and
              report["upload_sent_bytes"] == len(expected),
              "without server-side copy the same bytes are uploaded whole")
        fallback.stop()
        print("serve_assembly_e2e: all scenarios passed")
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception:
                pass
        moto.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
