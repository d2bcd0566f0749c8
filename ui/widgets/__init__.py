"""Shared widgets and type: elided labels, form fields, lazy pages, the type scale, the
wheel policy every form follows."""
