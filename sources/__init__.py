"""Mappings from the formats of real source systems to the event contract (pure: no I/O).

Each subpackage reads one source format from records already parsed (the command line opens the files)
and yields contract events with their ``source`` provenance.
"""
