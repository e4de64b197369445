"""``wheelpin completion bash|zsh|fish``: shell completion generated from the argument parser itself, so it
never drifts from the options.  No runtime hook (argcomplete's way) and no dependency: the script is static
text the shell loads once, as ``uv generate-shell-completion`` prints.

Options complete everywhere; an option's value completes from its choices, from the --platform presets, as a
file (metavar FILE, LOCKFILE, REQUIREMENT) or as a directory (DIR); other values are left to the shell.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

from wheelpin.platforms import PRESETS
from wheelpin.presets import DEPLOY_PRESETS

SHELLS = ("bash", "zsh", "fish")
_FILE_METAVARS = {"FILE", "LOCKFILE", "REQUIREMENT"}
_DIR_METAVARS = {"DIR"}


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    help: str
    takes_value: bool
    values: tuple[str, ...] = ()  # fixed words (choices, presets)
    kind: str = ""  # "file", "dir" or "" (free text)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    positional: str  # "file", "dir" or "" (what a bare word completes to)
    words: tuple[str, ...] = ()  # a positional's choices (completion's shells)


def add_completion_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    comp = commands.add_parser("completion", help="print a shell completion script (bash, zsh, fish)",
                               description="Print the completion script for a shell. bash: add "
                                           "'eval \"$(wheelpin completion bash)\"' to ~/.bashrc; zsh: add "
                                           "'eval \"$(wheelpin completion zsh)\"' to ~/.zshrc (after compinit); "
                                           "fish: 'wheelpin completion fish > "
                                           "~/.config/fish/completions/wheelpin.fish'.")
    comp.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def run_completion(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    sys.stdout.write(completion_script(parser, args.shell))
    return 0


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    top, commands = _describe(parser)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](top, commands)


# -- reading the parser ------------------------------------------------------------------------------------
def _describe(parser: argparse.ArgumentParser) -> tuple[tuple[Option, ...], tuple[Command, ...]]:
    commands: list[Command] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                bare = next((a for a in sub._actions if not a.option_strings), None)
                words = tuple(str(c) for c in bare.choices) if bare is not None and bare.choices else ()
                commands.append(Command(name=name, help=_short(helps.get(name, "")), options=_options(sub),
                                        positional=_kind(bare) if bare is not None else "", words=words))
    return _options(parser), tuple(commands)


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    found = []
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._SubParsersAction):
            continue
        takes_value = action.nargs != 0
        values: tuple[str, ...] = tuple(str(c) for c in action.choices) if action.choices else ()
        if "--platform" in action.option_strings:
            values = tuple(dict.fromkeys([*DEPLOY_PRESETS, *PRESETS]))
        found.append(Option(flags=tuple(action.option_strings), help=_short(action.help or ""),
                            takes_value=takes_value, values=values, kind=_kind(action) if takes_value else ""))
    return tuple(found)


def _kind(action: argparse.Action) -> str:
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if metavar in _FILE_METAVARS:
        return "file"
    return "dir" if metavar in _DIR_METAVARS else ""


def _short(text: str) -> str:
    """The help's first clause, short enough for a completion menu, without characters shells read."""
    first = re.split(r"[;(]|\. ", text.replace("%%", "%"), maxsplit=1)[0].strip()
    first = re.sub(r"[\[\]'\"`$\\]", "", first)
    return first if len(first) <= 70 else first[:67].rstrip() + "..."


# -- bash --------------------------------------------------------------------------------------------------
def _bash(top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    names = " ".join(c.name for c in commands)
    value_cases, command_cases = [], []
    for command in commands:
        for option in command.options:
            if option.takes_value:
                pattern = "|".join(f"{command.name}:{flag}" for flag in option.flags)
                value_cases.append(f"        {pattern}) {_bash_values(option)}; return;;")
        flags = " ".join(flag for o in command.options for flag in o.flags)
        bare = {"file": "compgen -f", "dir": "compgen -d"}.get(command.positional, "")
        if command.words:
            bare = f'compgen -W "{" ".join(command.words)}"'
        fallback = f'COMPREPLY=($({bare} -- "$cur"))' if bare else "COMPREPLY=()"
        command_cases.append(f'        {command.name}) if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "{flags}" '
                             f'-- "$cur")); else {fallback}; fi;;')
    top_flags = " ".join(flag for o in top for flag in o.flags)
    return "\n".join([
        "# wheelpin completion for bash: eval \"$(wheelpin completion bash)\"",
        "_wheelpin() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        f'        case "${{COMP_WORDS[i]}}" in {"|".join(c.name for c in commands)}) '
        'cmd="${COMP_WORDS[i]}"; break;; esac',
        "    done",
        '    case "$cmd:$prev" in',
        *value_cases,
        "    esac",
        '    case "$cmd" in',
        f'        "") COMPREPLY=($(compgen -W "{names} {top_flags}" -- "$cur"));;',
        *command_cases,
        "    esac",
        "}",
        "complete -o filenames -F _wheelpin wheelpin",
        "",
    ])


def _bash_values(option: Option) -> str:
    if option.values:
        return f'COMPREPLY=($(compgen -W "{" ".join(option.values)}" -- "$cur"))'
    how = {"file": "-f", "dir": "-d"}.get(option.kind)
    return f'COMPREPLY=($(compgen {how} -- "$cur"))' if how else "COMPREPLY=()"


# -- zsh ---------------------------------------------------------------------------------------------------
def _zsh(top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    described = " ".join(f"'{c.name}:{c.help}'" for c in commands)
    cases = []
    for command in commands:
        specs = " ".join(_zsh_spec(o) for o in command.options)
        bare = {"file": " '*: :_files'", "dir": " '*: :_directories'"}.get(command.positional, "")
        if command.words:
            bare = f" '1: :({' '.join(command.words)})'"
        cases.append(f"        {command.name}) _arguments -s {specs}{bare} ;;")
    return "\n".join([
        "#compdef wheelpin",
        "# wheelpin completion for zsh: eval \"$(wheelpin completion zsh)\" after compinit",
        "_wheelpin() {",
        "    local curcontext=\"$curcontext\" state line",
        "    local -a commands",
        f"    commands=({described})",
        f"    _arguments -C {' '.join(_zsh_spec(o) for o in top)} '1: :->command' '*:: :->args'",
        "    case $state in",
        "    command) _describe 'command' commands ;;",
        "    args)",
        "        case $line[1] in",
        *cases,
        "        esac ;;",
        "    esac",
        "}",
        "compdef _wheelpin wheelpin",
        "",
    ])


def _zsh_spec(option: Option) -> str:
    value = ""
    if option.takes_value:
        action = (f"({' '.join(option.values)})" if option.values
                  else {"file": "_files", "dir": "_directories"}.get(option.kind, " "))
        value = f": :{action}"
    repeat = "*" if option.takes_value and not option.values else ""
    return " ".join(f"'{repeat}{flag}[{option.help}]{value}'" for flag in option.flags)


# -- fish --------------------------------------------------------------------------------------------------
def _fish(top: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    lines = ["# wheelpin completion for fish: wheelpin completion fish > ~/.config/fish/completions/wheelpin.fish",
             "complete -c wheelpin -f"]
    lines += [_fish_option(o, "__fish_use_subcommand") for o in top]
    for command in commands:
        lines.append(f"complete -c wheelpin -n __fish_use_subcommand -a {command.name} -d '{command.help}'")
        condition = f"'__fish_seen_subcommand_from {command.name}'"
        if command.positional == "file":
            lines.append(f"complete -c wheelpin -n {condition} -F")
        if command.words:
            lines.append(f"complete -c wheelpin -n {condition} -a '{' '.join(command.words)}'")
        lines += [_fish_option(o, condition) for o in command.options]
    return "\n".join(lines) + "\n"


def _fish_option(option: Option, condition: str) -> str:
    parts = [f"complete -c wheelpin -n {condition}"]
    for flag in option.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if option.values:
        parts.append(f"-x -a '{' '.join(option.values)}'")
    elif option.takes_value:
        parts.append("-r -F" if option.kind == "file" else "-x -a '(__fish_complete_directories)'"
                     if option.kind == "dir" else "-x")
    parts.append(f"-d '{option.help}'")
    return " ".join(parts)
