"""The Docker-free development stack: embedded PostgreSQL, the local API Gateway and its Lambda workers."""
