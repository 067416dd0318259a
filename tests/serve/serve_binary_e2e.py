"""kiln serve end to end for the OpenSearch binary and skip_stored_vectors outputs:
moto S3 (auth mode) + kiln serve + a k-NN-like client.

Usage: serve_binary_e2e.py KILN_BINARY
  1. data_type binary (256 bits): the .faiss is IBMp → IBHf → IBxF, loaded by
     Debian's libfaiss read_index_binary with the doc ids and a recall floor.
  2. skip_stored_vectors (float32 on the wire): the .faiss equals the file of
     the same build without it, storage record replaced by "null" (one build
     thread, so both builds are the same graph).
"""
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from knn_client import KnnClient  # noqa: E402
from moto_server import MotoServer  # noqa: E402
from serve_e2e import BUCKET, KilnServe, check, make_and_upload  # noqa: E402


def libfaiss_check(*args):
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "faiss_check_binary.py"), *args], check=True)


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="kiln-serve-binary-e2e-")
    moto = MotoServer(os.path.join(work, "moto.log"))
    serve = None
    try:
        s3 = moto.s3()
        s3.create_bucket(Bucket=BUCKET)
        env = dict(os.environ, **moto.env())
        serve = KilnServe(binary, os.path.join(work, "data"), env,
                          ["--opensearch-store", "s3", "--workers", "1", "--build-threads", "1"])
        client = KnnClient(serve.endpoint)

        # 1. binary / hamming.
        n, d = 2000, 256
        prefix = make_and_upload(s3, work, "bin/seg_bits", "binary", n, d, 5, id_step=3)
        st = client.await_build(client.submit(KnnClient.request_body(BUCKET, "bin/seg_bits", "cluster-b", d, n,
                                                                      data_type="binary", space_type="hamming")))
        check(st == {"task_status": "COMPLETED_INDEX_BUILD", "file_name": "seg_bits.faiss"},
              f"binary build completed: {st}")
        local = os.path.join(work, "bits.faiss")
        s3.download_file(BUCKET, "bin/seg_bits.faiss", local)
        libfaiss_check("binary", local, prefix + ".npy", prefix + "_ids.npy", "0.9")

        # 2. skip_stored_vectors: the same blob under two paths, built with and without.
        n2, d2 = 1500, 24
        make_and_upload(s3, work, "sq1/full", "float", n2, d2, 6)
        make_and_upload(s3, work, "sq1/graph", "float", n2, d2, 6)
        full = KnnClient.request_body(BUCKET, "sq1/full", "cluster-b", d2, n2)
        graph = dict(KnnClient.request_body(BUCKET, "sq1/graph", "cluster-b", d2, n2), skip_stored_vectors=True)
        for body, name in ((full, "full"), (graph, "graph")):
            st = client.await_build(client.submit(body))
            check(st == {"task_status": "COMPLETED_INDEX_BUILD", "file_name": name + ".faiss"},
                  f"skip_stored_vectors={body['skip_stored_vectors']} build completed: {st}")
            s3.download_file(BUCKET, f"sq1/{name}.faiss", os.path.join(work, name + ".faiss"))
        libfaiss_check("skip", os.path.join(work, "full.faiss"), os.path.join(work, "graph.faiss"))
        print("serve_binary_e2e: all scenarios passed")
    finally:
        if serve is not None:
            serve.stop(signal.SIGKILL)
        moto.stop()


if __name__ == "__main__":
    main()
