"""A function's init with the cyclic garbage collector paused, and what init built set aside for good.

Loading a module function builds a few hundred thousand objects (FastAPI's routes and adapters, pydantic's models,
the libraries' modules), and the cyclic collector runs over and over while it does: each run walks objects that will
live as long as the container anyway. So the handler module imports this module first (importing it pauses the
collector), builds everything, then calls `init_done()`: it moves every object init made to the permanent generation
(`gc.freeze()`, so later collections no longer walk them) and resumes the collector. Reference counting frees
garbage as usual in between; only cycles made during init wait, and init makes few that are not kept anyway.

One function per process, as in Lambda: in a process that loads several handler modules (the tests, the local
server) only the first import runs paused, which changes nothing but speed. Measured with `python -m bench
--cold-only`: see docs/performance.md, "Cold start against the floor: what moved it".
"""

import gc

gc.disable()


def init_done() -> None:
    """Set aside what init built and resume the cyclic collector (call at the end of the handler module)."""
    gc.freeze()
    gc.enable()
