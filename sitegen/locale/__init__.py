"""The message catalogue (zh_CN/LC_MESSAGES/sitegen.po) and the tool that keeps it complete (extract.py)."""
