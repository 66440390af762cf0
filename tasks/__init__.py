"""podsift stages: plain typed functions, each callable without Prefect."""
