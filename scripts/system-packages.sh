#!/usr/bin/env bash
# The Debian packages the project needs beside Python's, installed when run as root:
#  - always: the fonts a credit report's PDF embeds (明体 AR PL UMing and 黑体 WenQuanYi Zen Hei,
#    TrueType: WeasyPrint subsets them in milliseconds), HarfBuzz's subsetter WeasyPrint uses for
#    that, Pango it lays text out with, and poppler-utils to look at a report as a picture;
#  - with --tests: Chromium and its driver, for the workbench's browser tests.
# Not root: says what is missing; fails only for what the program itself needs.
set -euo pipefail
needed=(fonts-arphic-uming fonts-wqy-zenhei libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
        poppler-utils)
optional=()
if [ "${1:-}" = "--tests" ]; then
    optional=(chromium chromium-driver)
fi
missing() {
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || echo "$package"
    done
}
mapfile -t absent < <(missing "${needed[@]}" "${optional[@]}")
[ ${#absent[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${absent[@]}" >/dev/null
    exit 0
fi
echo "missing Debian packages: ${absent[*]}; install them with: sudo apt-get install ${absent[*]}" >&2
mapfile -t required < <(missing "${needed[@]}")
[ ${#required[@]} -eq 0 ]
