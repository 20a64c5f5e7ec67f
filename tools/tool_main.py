# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main() of the tools the noxfile's demo and soak sessions run in their venv, after installing the collection."""
import argparse
import subprocess
import sys
from pathlib import Path


def tool_main(description, body):
    """Parse --collections-path and --work-dir, return body(collections_path, work_dir)'s exit code.

    A command that fails ends the tool with one line naming it and exit code 1.
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--collections-path', type=Path, required=True, help='where the collection is installed')
    parser.add_argument('--work-dir', type=Path, required=True, help='where the tool keeps its files')
    args = parser.parse_args()
    work_dir = args.work_dir.resolve()  # the tools run commands in it: relative paths would not hold there
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        return body(args.collections_path.resolve(), work_dir)
    except subprocess.CalledProcessError as error:
        print('%s failed: %s exited %d' % (Path(sys.argv[0]).stem, error.cmd[0], error.returncode), file=sys.stderr)
        return 1
