"""Backups of a whole instance and restoring them: `machimap backup FILE` and
`machimap restore FILE`.

A backup is one uncompressed tar file (PAX): ``database.dump`` (pg_dump's custom format, one
snapshot), ``media/<key>`` for every photo file a row of that snapshot refers to, and last
``manifest.json`` (layers/backup/manifest.py): what the backup holds, with sizes and SHA-256
hashes. Written last, the manifest also marks the file complete.
"""
