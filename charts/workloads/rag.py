"""The RAG golden path's client, Python standard library only (it runs in any pinned Python image).

  rag.py embed   embeds RAG_DOCUMENTS through the embedding server and upserts them into the team's collection
  rag.py ask     embeds RAG_QUESTION, retrieves the closest documents and asks the LLM to answer from them

Environment: EMBEDDINGS_URL and LLM_URL (OpenAI-compatible base URLs, ending in /openai/v1), EMBEDDING_MODEL and
LLM_MODEL (the InferenceServices' names, which KServe serves them under), VECTOR_DB_ENDPOINT, VECTOR_DB_CREDENTIALS
and VECTOR_DB_COLLECTION (the team's Qdrant key opens only that collection), RAG_DOCUMENTS (a JSON list of texts),
RAG_QUESTION, WAIT_SECONDS (how long to wait for a service that is waking up).
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

WAIT_SECONDS = int(os.environ.get("WAIT_SECONDS", "900"))
# Retried while a service wakes: a predictor at zero replicas has no endpoints (connection refused), and the
# first replica answers 503 until its model is loaded.
RETRY_STATUS = {502, 503, 504}


def call(url, body=None, headers=None, method="POST"):
    deadline = time.monotonic() + WAIT_SECONDS
    data = json.dumps(body).encode() if body is not None else None
    while True:
        request = urllib.request.Request(
            url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code not in RETRY_STATUS or time.monotonic() > deadline:
                raise SystemExit(f"{method} {url}: HTTP {error.code} {error.read().decode(errors='replace')[:500]}")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if time.monotonic() > deadline:
                raise SystemExit(f"{method} {url}: {error} (still unreachable after {WAIT_SECONDS}s)")
        print(f"waiting for {url} ...", flush=True)
        time.sleep(10)


def embed(texts):
    reply = call(f"{os.environ['EMBEDDINGS_URL']}/embeddings", {"model": os.environ["EMBEDDING_MODEL"], "input": texts})
    return [item["embedding"] for item in sorted(reply["data"], key=lambda item: item["index"])]


def qdrant(path, body, method="POST"):
    collection = os.environ["VECTOR_DB_COLLECTION"]
    url = f"{os.environ['VECTOR_DB_ENDPOINT']}/collections/{collection}{path}"
    return call(url, body, {"api-key": os.environ["VECTOR_DB_CREDENTIALS"]}, method)


def documents():
    return json.loads(os.environ["RAG_DOCUMENTS"])


def run_embed():
    texts = documents()
    points = [
        # The same text always gets the same id, so a re-run updates instead of duplicating.
        {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, text)), "vector": vector, "payload": {"text": text}}
        for text, vector in zip(texts, embed(texts))
    ]
    qdrant("/points?wait=true", {"points": points}, "PUT")
    print(f"embedded {len(points)} documents into {os.environ['VECTOR_DB_COLLECTION']}")


def run_ask():
    expected = len(documents())
    deadline = time.monotonic() + WAIT_SECONDS
    # The embed Job may still be running: wait until its documents are in the collection.
    while qdrant("/points/count", {"exact": True})["result"]["count"] < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"the collection has fewer than {expected} documents after {WAIT_SECONDS}s; is the embed Job done?")
        print("waiting for the embedded documents ...", flush=True)
        time.sleep(10)
    question = os.environ["RAG_QUESTION"]
    found = qdrant("/points/query", {"query": embed([question])[0], "limit": 3, "with_payload": True})
    context = [point["payload"]["text"] for point in found["result"]["points"]]
    print("retrieved:", *context, sep="\n  ")
    reply = call(
        f"{os.environ['LLM_URL']}/chat/completions",
        {
            "model": os.environ["LLM_MODEL"],
            "messages": [
                {"role": "system", "content": "Answer only from the context. Say so when it does not hold the answer."},
                {"role": "user", "content": "Context:\n" + "\n".join(context) + f"\n\nQuestion: {question}"},
            ],
            "max_tokens": 256,
        },
    )
    print("answer:", reply["choices"][0]["message"]["content"])


if __name__ == "__main__":
    {"embed": run_embed, "ask": run_ask}[sys.argv[1]]()
