# -*- coding: utf-8 -*-
# Copyright (c) keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # Shared attribute declarations; each module adds the check_mode/diff_mode support it has.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
'''

    ACTION_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/keyfactor.command.keyfactor) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - keyfactor.command.keyfactor
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details: This module only reads; it runs the same way in check mode and never reports a change.
  diff_mode:
    support: N/A
    details: This module only reads and returns no diff.
'''
