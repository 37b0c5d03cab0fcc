"""The Files API: uploads kept on disk under the data dir, fine-tune files validated by Studio's rules."""

from engine.files.store import FileRecord, FileStore

__all__ = ["FileRecord", "FileStore"]
