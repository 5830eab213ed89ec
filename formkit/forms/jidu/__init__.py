"""季度数据报表 (kjxm-cxjd-jidu): its spec (spec.toml) and its within-form rules (rules.py)."""
