"""Dependencies of every biofloc route: the module guard (read for GET, write otherwise)."""

from typing import Annotated

from fastapi import Depends, Query

from farm_erp.http import Caller, module_guard

Biofloc = Annotated[Caller, Depends(module_guard("biofloc"))]
RefId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]
SearchText = Annotated[str | None, Query(max_length=100)]
