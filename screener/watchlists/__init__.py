"""Watchlists: one YAML file per list (:mod:`.schema`), edits that never lose a line
(:mod:`.edit` over :mod:`.splice` and :mod:`.transaction`), the edit history
(:mod:`.history`) and summaries for people (:mod:`.listing`)."""

from __future__ import annotations

from .edit import (
    EditResult,
    add_member,
    check_mix,
    create_watchlist,
    names_from_cache,
    parse_segments,
    remove_member,
    set_member,
)
from .history import (
    HISTORY_FILE,
    changes_between,
    read_history,
    unrecorded_changes,
    watchlist_history,
)
from .listing import (
    Check,
    get_watchlist,
    list_watchlists,
    load_all,
    members_frame,
    stray_temp_files,
    validate_watchlists,
)
from .schema import (
    Member,
    Title,
    Watchlist,
    find_watchlist,
    load_watchlist,
    load_watchlist_bytes,
    mix_text,
    watchlist_file,
    watchlist_paths,
)

__all__ = [
    "HISTORY_FILE",
    "Check",
    "EditResult",
    "Member",
    "Title",
    "Watchlist",
    "add_member",
    "changes_between",
    "check_mix",
    "create_watchlist",
    "find_watchlist",
    "get_watchlist",
    "list_watchlists",
    "load_all",
    "load_watchlist",
    "load_watchlist_bytes",
    "members_frame",
    "mix_text",
    "names_from_cache",
    "parse_segments",
    "read_history",
    "remove_member",
    "set_member",
    "stray_temp_files",
    "unrecorded_changes",
    "validate_watchlists",
    "watchlist_file",
    "watchlist_history",
    "watchlist_paths",
]
