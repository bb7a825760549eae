#!/usr/bin/env bash
# Sets up everything deepomics needs on Debian 12, idempotently: Debian's R with the r-cran-* /
# r-bioc-* packages the R package uses, a virtual environment in .venv with the Python package
# (editable, with its C++ extension) and its test tools, and the R package itself.
# Installing Debian packages needs root; once they are there, nothing else does.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  r-base-core r-cran-reticulate r-cran-matrix r-cran-testthat r-cran-withr r-cran-knitr r-cran-rmarkdown
  r-cran-ggplot2 r-cran-ggseqlogo r-bioc-biostrings r-bioc-s4vectors r-bioc-summarizedexperiment
  r-bioc-singlecellexperiment r-bioc-genomicranges r-bioc-biobase r-bioc-all
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: these Debian packages are missing; install them as root and run again:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${#missing[@]} Debian packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)

# Reinstall the Python package only when what it is built from has changed.
stamp=.venv/.deepomics-build
digest=$(cat pyproject.toml setup.py constraints.txt src_cpp/* | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "setup: installing the Python package into .venv"
  "${pip[@]}" install -c constraints.txt --upgrade pip setuptools wheel
  "${pip[@]}" install -c constraints.txt -e ".[test]"
  .venv/bin/python -m pip check
  # memelite's Tomtom is compiled by numba on first use (about a minute) and cached in .venv
  .venv/bin/python -c "import numpy as np; from deepomics.interpret import match_motifs; \
match_motifs(np.eye(4)[:, [0, 1, 2, 3, 0, 1, 2, 3]][None] * 0.9 + 0.025)" >/dev/null
  echo "$digest" > "$stamp"
fi

# The R package, into R's site library when writable, else the user's library. Built first
# (R CMD build, about 30 s) so that the vignette is knitted, with .venv's Python, and installed:
# vignette("deepomics") then opens it.
if [ -f rpkg/NAMESPACE ]; then
  rdigest=$(find DESCRIPTION rpkg -type f -not -path '*/tests/*' | sort | xargs cat | sha256sum | cut -d' ' -f1)
  rstamp=.venv/.deepomics-rpkg
  if [ ! -f "$rstamp" ] || [ "$(cat "$rstamp")" != "$rdigest" ]; then
    echo "setup: building and installing the R package"
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    if (cd "$build" && DEEPOMICS_PYTHON=${DEEPOMICS_PYTHON:-$OLDPWD/.venv/bin/python} \
          R CMD build "$OLDPWD/rpkg" >build.log 2>&1); then
      R CMD INSTALL --no-test-load "$build"/deepomics_*.tar.gz >/dev/null
      echo "$rdigest" > "$rstamp"
    else  # the package still installs, without the knitted vignette (tried again next time)
      tail -n 20 "$build/build.log" >&2
      echo "setup: warning: the vignette did not build (above); installing without it" >&2
      R CMD INSTALL --no-test-load rpkg >/dev/null
    fi
  fi
fi
echo "setup: ready (Python: .venv/bin/python; R package: deepomics)"
