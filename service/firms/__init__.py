"""Zhongshan firms: schemas, storage, import and export."""
