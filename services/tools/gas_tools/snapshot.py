"""Keep the embedded emulator's tables and buckets on disk, read from its memory directly.

Measured first through the AWS API (boto3 scan and list, then get only new bodies):
at 1,000 jobs a snapshot with nothing changed took 21 s on a loaded 2-core machine,
almost all of it the emulator serialising list and scan answers, so at 10,000 jobs
every snapshot would take minutes. Reading the emulator's own in-memory models in
its own process (`gas_tools.emulator`) costs milliseconds per thousand objects, so
that is what is done here (moto 5.2's models: tables' items, buckets' keys).

On disk, under `<GAS_STATE_DIR>/data`:
- `<table>.json`: every item in DynamoDB's typed JSON, replaced whole;
- `bodies/<etag>`: each object body once (content-addressed, written when new);
- `objects.json`: bucket, key, ETag, storage class and encryption of every object.

Subscriptions, topics and the mail sender are not saved: provisioning makes them.
Messages need no saving: the job table is the source of truth and the reconcilers
re-drive what was in flight. A restore in progress in cold storage is not kept.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Saved:
    """What one snapshot or restore handled and how long it took."""

    items: int = 0
    objects: int = 0
    new_bodies: int = 0
    seconds: float = 0.0


def _backends() -> tuple[Any, Any]:
    """The emulator's S3 and DynamoDB models for the default account and region."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"], dynamodb_backends[DEFAULT_ACCOUNT_ID][region]


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # a kill mid-write leaves the previous file whole


class Snapshots:
    """Saves of one emulator into `root`; remembers which bodies are on disk already."""

    def __init__(self, root: Path):
        self.root = root
        (root / "bodies").mkdir(parents=True, exist_ok=True)
        self.known = {p.name for p in (root / "bodies").iterdir() if not p.name.endswith(".tmp")}

    def save(self) -> Saved:
        """Write every table and bucket of the emulator (this process)."""
        started = time.monotonic()
        s3, dynamodb = _backends()
        saved = Saved()
        tables = {}
        for name, table in list(dynamodb.tables.items()):
            tables[name] = [item.to_json()["Attributes"] for item in list(table.all_items())]
            saved.items += len(tables[name])
        _write_atomically(self.root / "tables.json", json.dumps(tables).encode())
        objects = []
        for bucket_name, bucket in list(s3.buckets.items()):
            for key in list(bucket.keys.values()):
                etag = key.etag.strip('"')
                if etag not in self.known:
                    _write_atomically(self.root / "bodies" / etag, key.value)
                    self.known.add(etag)
                    saved.new_bodies += 1
                objects.append({"bucket": bucket_name, "key": key.name, "etag": etag,
                                "storage_class": key.storage_class,
                                "encryption": key.encryption})
        saved.objects = len(objects)
        _write_atomically(self.root / "objects.json", json.dumps(objects).encode())
        unused = self.known - {o["etag"] for o in objects}
        for etag in unused:
            (self.root / "bodies" / etag).unlink(missing_ok=True)
        self.known -= unused
        saved.seconds = time.monotonic() - started
        return saved


def save(root: Path) -> Saved:
    """One snapshot of the emulator (this process) under `root`."""
    return Snapshots(root).save()


def restore(root: Path) -> Saved:
    """Put a snapshot back into the emulator (this process); tables and buckets must exist."""
    started = time.monotonic()
    s3, dynamodb = _backends()
    restored = Saved()
    tables_path, objects_path = root / "tables.json", root / "objects.json"
    tables = json.loads(tables_path.read_text()) if tables_path.exists() else {}
    for name, items in tables.items():
        if name not in dynamodb.tables:
            log.warning("table %s is not provisioned; its %d items are not restored",
                        name, len(items))
            continue
        for item in items:
            dynamodb.put_item(name, item)
        restored.items += len(items)
    objects = json.loads(objects_path.read_text()) if objects_path.exists() else []
    for obj in objects:
        if obj["bucket"] not in s3.buckets:
            log.warning("bucket %s is not provisioned; s3://%s/%s is not restored",
                        obj["bucket"], obj["bucket"], obj["key"])
            continue
        s3.put_object(obj["bucket"], obj["key"], (root / "bodies" / obj["etag"]).read_bytes(),
                      storage=obj["storage_class"], encryption=obj["encryption"],
                      disable_notification=True)
        restored.objects += 1
    restored.seconds = time.monotonic() - started
    return restored
