"""年度工作报告 (kjxm-cxjd-nianbao): its spec (spec.toml) and its within-form rules (rules.py)."""
