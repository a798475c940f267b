"""The fonts of the GB/T 9704 layout and what this machine actually has for them.

The standard names fonts offices have under Windows (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312);
none of the 方正 fonts is free, so `scripts/fonts.sh` installs the Fandol fonts with fontconfig
aliases for those names. `font_plan()` asks fontconfig (fc-match) which family each role resolves
to and, when a role falls back to something that is not the intended font, says so in a warning
the caller shows to the user.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass, field

# role -> (name written into the DOCX, the families that count as the right font)
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "fangsong": ("仿宋_GB2312", ("FandolFang", "仿宋_GB2312", "仿宋", "FangSong")),
    "xiaobiaosong": ("方正小标宋简体", ("FandolSong", "方正小标宋简体", "方正小标宋_GBK")),
    "hei": ("黑体", ("FandolHei", "黑体", "SimHei")),
    "kai": ("楷体_GB2312", ("FandolKai", "楷体_GB2312", "楷体", "KaiTi")),
    "song": ("宋体", ("FandolSong", "宋体", "SimSun")),
}
LABELS = {"fangsong": "仿宋", "xiaobiaosong": "小标宋", "hei": "黑体", "kai": "楷体", "song": "宋体"}


@dataclass
class FontPlan:
    """The family to write for each role, and the warnings about fallbacks."""

    families: dict[str, str] = field(default_factory=dict)
    resolved: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def fc_match(name: str) -> str | None:
    """The family fontconfig resolves `name` to, or None without fontconfig."""
    exe = shutil.which("fc-match")
    if not exe:
        return None
    try:
        out = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [exe, "-f", "%{family}", f"{name}:lang=zh-cn"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.split(",")[0].strip() or None


@functools.cache
def font_plan() -> FontPlan:
    plan = FontPlan()
    for role, (name, good) in ROLES.items():
        got = fc_match(name)
        plan.families[role] = name
        plan.resolved[role] = got or ""
        if got is None:
            plan.warnings.append(
                f"本机无法查询字体（缺少 fontconfig），{LABELS[role]}（{name}）可能以其他字体显示。"
            )
        elif got not in good:
            plan.warnings.append(
                f"本机未安装{LABELS[role]}字体（{name}），已改用“{got}”，版式可能与国家标准略有出入；"
                "请管理员运行 scripts/fonts.sh 安装字体。"
            )
    return plan
