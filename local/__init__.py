"""The Docker-free development stack: embedded PostgreSQL, the local API Gateway and its Lambda workers."""

import sys
from pathlib import Path

# The core layer is mounted at /opt/python in Lambda; locally it is imported from its source folder.
_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "core")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
