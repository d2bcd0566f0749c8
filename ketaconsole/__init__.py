"""KetaConsole core: session model, metric vocabulary, engine, drivers SDK, storage and CLI.

The core never imports Qt or a driver module by name; drivers are found through the
``ketaconsole.drivers`` entry-point group and the GUI lives in the ``ui`` package.
"""

__version__ = "0.1.0"
