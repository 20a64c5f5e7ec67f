# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's build and test pipeline (run through tools/ci.py and the Makefile)."""
