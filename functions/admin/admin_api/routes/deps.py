"""The admin-only guard every admin route depends on."""

from typing import Annotated

from fastapi import Depends

from farm_erp.http import Caller, module_guard

admin_only = module_guard("admin")
# The same callable everywhere, so FastAPI runs the guard once per request.
Admin = Annotated[Caller, Depends(admin_only)]
GUARD = [Depends(admin_only)]
