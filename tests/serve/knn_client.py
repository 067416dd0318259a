"""A client that behaves like OpenSearch's k-NN remote build client.

It uploads <blob>.knnvec (float32/int8/packed bits, little-endian) and
<blob>.knndid (int32 LE) to S3, POSTs /_build with exactly the JSON the k-NN
plugin sends, polls /_status/{job_id}, and rejects any response field the
k-NN parser would reject (RemoteBuildResponse / RemoteBuildStatusResponse).
"""
import base64
import json
import time
import urllib.error
import urllib.request

ALLOWED_STATUS_FIELDS = {"task_status", "file_name", "error_message"}


class HttpError(Exception):
    def __init__(self, code, body):
        super().__init__(f"HTTP {code}: {body}")
        self.code = code
        self.body = body


class KnnClient:
    def __init__(self, endpoint, user=None, password=None):
        self.endpoint = endpoint
        self.auth = None
        if password:
            self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode("latin-1")).decode()

    def _call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.auth:
            req.add_header("Authorization", self.auth)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            raise HttpError(e.code, e.read().decode())

    @staticmethod
    def request_body(bucket, blob_path, tenant, dimension, doc_count, data_type="float", space_type="l2",
                     m=16, ef_construction=100, ef_search=100):
        return {"repository_type": "s3", "container_name": bucket, "vector_path": blob_path + ".knnvec",
                "doc_id_path": blob_path + ".knndid", "tenant_id": tenant, "dimension": dimension,
                "doc_count": doc_count, "data_type": data_type, "engine": "faiss",
                "index_parameters": {"space_type": space_type, "algorithm": "hnsw",
                                     "algorithm_parameters": {"m": m, "ef_construction": ef_construction,
                                                              "ef_search": ef_search}},
                "skip_stored_vectors": False}

    def submit(self, body):
        code, text = self._call("POST", "/_build", body)
        if code < 200 or code > 300:
            raise HttpError(code, text)
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("Invalid response format, not an object: " + text)
        for key in parsed:
            if key != "job_id":
                raise ValueError("Invalid response format, unknown field: " + key)
        if not parsed.get("job_id"):
            raise ValueError("blank job_id")
        return parsed["job_id"]

    def status(self, job_id):
        code, text = self._call("GET", "/_status/" + job_id)
        parsed = json.loads(text)
        for key in parsed:
            if key not in ALLOWED_STATUS_FIELDS:
                raise ValueError("Invalid response format, unknown field: " + key)
        status = parsed.get("task_status")
        if status not in ("RUNNING_INDEX_BUILD", "COMPLETED_INDEX_BUILD", "FAILED_INDEX_BUILD"):
            raise ValueError("bad task_status: " + text)
        if status == "COMPLETED_INDEX_BUILD":
            if not parsed.get("file_name", "").endswith(".faiss"):
                raise ValueError("completed without a .faiss file_name: " + text)
            if "error_message" in parsed:
                raise ValueError("completed with error_message: " + text)
        if status == "FAILED_INDEX_BUILD" and "file_name" in parsed:
            raise ValueError("failed with file_name: " + text)
        if status == "RUNNING_INDEX_BUILD" and len(parsed) != 1:
            raise ValueError("running with extra fields: " + text)
        return parsed

    def await_build(self, job_id, timeout=300, interval=0.05):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.status(job_id)
            if st["task_status"] != "RUNNING_INDEX_BUILD":
                return st
            time.sleep(interval)
        raise TimeoutError(f"job {job_id} still running after {timeout}s")

    def get(self, path, headers=None):
        return self._call("GET", path, headers=headers)
