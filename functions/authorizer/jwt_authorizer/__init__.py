"""TOKEN authorizer: verifies the access token and returns the caller's cached IAM policy."""
