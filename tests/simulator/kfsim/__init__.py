# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kfsim: a Keyfactor Command workflow API simulator for the collection's tests and benchmarks.

Test tooling only; never shipped in the built collection. Start it with
``pip install -e tests/simulator`` then ``python -m kfsim --help``.
"""
