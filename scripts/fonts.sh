#!/usr/bin/env bash
# The GB/T 9704 fonts: Fandol (仿宋/宋/黑/楷, GPL with font exception) taken from Debian's
# texlive-lang-chinese .deb (only the .otf files, not the package), installed into
# /usr/local/share/fonts/gongwen-fandol with fontconfig aliases for 仿宋_GB2312, 方正小标宋简体,
# 黑体 and 楷体_GB2312 (drafting/fonts/65-gongwen-fandol.conf). Idempotent; does nothing when
# done. Needs root and apt-get; otherwise prints what to do and carries on (the renderer falls
# back to another CJK font and warns).
set -euo pipefail
cd "$(dirname "$0")/.."

dest=/usr/local/share/fonts/gongwen-fandol
conf_src=drafting/fonts/65-gongwen-fandol.conf
conf_dst=/etc/fonts/conf.d/65-gongwen-fandol.conf

if [ -f "$dest/FandolFang-Regular.otf" ] && [ -f "$conf_dst" ] && cmp -s "$conf_src" "$conf_dst"; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "NOTE: the Fandol fonts are not installed; run scripts/fonts.sh as root (Debian)." >&2
    exit 0
fi
if [ ! -f "$dest/FandolFang-Regular.otf" ]; then
    echo "==> Installing the Fandol fonts into $dest"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1) || {
        apt-get update -qq && (cd "$tmp" && apt-get download -qq texlive-lang-chinese)
    }
    dpkg-deb --fsys-tarfile "$tmp"/texlive-lang-chinese_*.deb \
        | tar -x -C "$tmp" --wildcards '*/fandol/Fandol*.otf'
    mkdir -p "$dest"
    find "$tmp" -name 'Fandol*.otf' ! -name 'FandolBraille*' -exec install -m 644 {} "$dest"/ \;
fi
mkdir -p "$(dirname "$conf_dst")"
install -m 644 "$conf_src" "$conf_dst"
fc-cache -f "$dest" >/dev/null 2>&1 || fc-cache -f >/dev/null 2>&1 || true
