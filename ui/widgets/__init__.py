"""Shared widgets and type: elided labels, form fields, lazy pages, the type scale."""
