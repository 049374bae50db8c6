"""Dependencies every inventory route uses."""

from typing import Annotated

from fastapi import Depends

from farm_erp.http import Caller, module_guard

# Read (GET) needs a read or write grant, anything else a write grant: module_guard checks the method.
Inventory = Annotated[Caller, Depends(module_guard("inventory"))]
