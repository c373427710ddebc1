"""Operations: the `dataops` command, backups, copies between databases."""
