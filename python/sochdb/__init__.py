"""SochDB: an embedded, vector-search-first database for LLM context retrieval.

Embedded mode (this process, through libsochdb's C ABI)::

    from sochdb import Database
    with Database.open("./my_database") as db:
        db.put(b"key", b"value")
        docs = db.create_collection("docs", dimension=384, metric="cosine")

IPC mode (several processes through ``sochdb-server``)::

    from sochdb import IpcClient
    client = IpcClient.connect("./my_database/sochdb.sock")

Modules: :mod:`sochdb.bulk` (HNSW index files from numpy arrays),
:mod:`sochdb.plugins` (Python triggers), :mod:`sochdb.errors`.
"""

from .errors import (
    AlreadyExistsError,
    ConnectionError,
    DatabaseError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    SochDBError,
    TransactionError,
    TriggerAbort,
)
from .database import Database, Row, SQLQueryResult, Transaction
from .collection import Collection, Record, SearchResult
from .index import HnswIndex
from .ipc import IpcClient, Query

__version__ = "0.3.0"

__all__ = [
    "Database", "Transaction", "SQLQueryResult", "Row",
    "Collection", "SearchResult", "Record", "HnswIndex",
    "IpcClient", "Query",
    "SochDBError", "ConnectionError", "TransactionError", "ProtocolError", "DatabaseError",
    "InvalidArgumentError", "NotFoundError", "AlreadyExistsError", "TriggerAbort",
]
