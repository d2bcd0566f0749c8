"""Every Qt widget of KetaConsole and the Qt bridge to the core engine.

This package is the only place where PySide6 and pyqtgraph are imported.
"""
