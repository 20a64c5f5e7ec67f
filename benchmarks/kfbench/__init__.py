# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: keyfactor.command against ansible.builtin.uri and a plain-Python floor (benchmarks/README.md)."""
