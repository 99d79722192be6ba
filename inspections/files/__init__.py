"""File formats of the domain: the catalogue and calendar YAML, and the national procedure list import.

Parsing and writing only; the models they build live one floor up in ``inspections``."""
