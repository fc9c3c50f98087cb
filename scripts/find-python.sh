#!/usr/bin/env sh
# Print the path of a Python >= 3.12 interpreter (Mesa 3.5.1 requires it).
# These machines' default python3 is 3.11; pyenv keeps 3.12/3.13 under its root.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in "${PYTHON:-}" python3.12 python3.13 python3 \
         "$root"/versions/3.12*/bin/python "$root"/versions/3.13*/bin/python \
         /root/.pyenv/versions/3.12*/bin/python /root/.pyenv/versions/3.13*/bin/python; do
  [ -n "$p" ] || continue
  if command -v "$p" >/dev/null 2>&1 && ok "$p"; then command -v "$p"; exit 0; fi
done
echo "scalesim needs Python >= 3.12 and found none (tried python3.13, python3.12, python3, pyenv)" >&2
exit 1
