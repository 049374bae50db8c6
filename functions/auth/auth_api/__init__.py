"""The auth function: sign-in, token rotation, sign-out, own profile and sessions, password flows (/auth)."""
