"""Runs a command with a fresh moto S3 server (auth mode) and bucket "kiln-test".

Usage: python3 with_moto.py LOGDIR -- COMMAND ARGS...
The command sees AWS_ACCESS_KEY_ID/SECRET/ENDPOINT_URL_S3/REGION for moto.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moto_server import MotoServer  # noqa: E402


def main():
    sep = sys.argv.index("--")
    log_dir = sys.argv[1] if sep > 1 else tempfile.mkdtemp(prefix="kiln-moto-")
    os.makedirs(log_dir, exist_ok=True)
    moto = MotoServer(os.path.join(log_dir, "moto.log"))
    try:
        moto.s3().create_bucket(Bucket="kiln-test")
        rc = subprocess.call(sys.argv[sep + 1:], env=dict(os.environ, **moto.env()))
    finally:
        moto.stop()
    sys.exit(rc)


if __name__ == "__main__":
    main()
