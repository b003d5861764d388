#!/usr/bin/env python3
"""A CycloneDX 1.5 JSON SBOM of the Swift package graph.

Reads the resolved graph as `swift package show-dependencies --format json` prints it (a file, or
`-` for standard input) and writes the SBOM to standard output: every package with its version,
package URL, repository and licence (read from the LICENSE file of its checkout), and the graph of
who depends on whom. A package whose version or licence cannot be told is an error naming it.

    swift package show-dependencies --format json | scripts/sbom.py - > sbom.cdx.json
"""
import json
import re
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

LICENCE_FILES = ("LICENSE.txt", "LICENSE", "LICENSE.md", "COPYING")


def licence_of(checkout: Path) -> str:
    """The SPDX expression of the licence in a checkout's LICENSE file."""
    for name in LICENCE_FILES:
        path = checkout / name
        if path.is_file():
            text = path.read_text(errors="replace")
            break
    else:
        raise ValueError(f"no licence file ({', '.join(LICENCE_FILES)}) in {checkout}")
    flat = re.sub(r"\s+", " ", text)
    if "Apache License" in flat and "Version 2.0" in flat:
        return "Apache-2.0 WITH Swift-exception" if "Runtime Library Exception" in flat else "Apache-2.0"
    if "Permission is hereby granted, free of charge" in flat:
        return "MIT"
    if "Redistribution and use in source and binary forms" in flat:
        return "BSD-3-Clause" if "Neither the name" in flat else "BSD-2-Clause"
    raise ValueError(f"cannot tell the licence in {checkout} (neither Apache-2.0, MIT nor BSD)")


def purl(url: str, version: str) -> str:
    location = re.sub(r"^https?://", "", url).removesuffix(".git")
    return f"pkg:swift/{location}@{version}"


def walk(node: dict, seen: dict, edges: dict) -> None:
    for child in node.get("dependencies", []):
        identity = child["identity"]
        edges.setdefault(node["identity"], set()).add(identity)
        if identity not in seen:
            seen[identity] = child
            walk(child, seen, edges)


def sbom(graph: dict) -> dict:
    seen: dict = {}
    edges: dict = {}
    walk(graph, seen, edges)
    components = []
    problems = []
    for identity, package in sorted(seen.items()):
        version = package.get("version", "")
        if not re.fullmatch(r"\d+\.\d+\.\d+.*", version):
            problems.append(f"{identity}: no released version (got {version!r})")
            continue
        try:
            licence = licence_of(Path(package["path"]))
        except ValueError as error:
            problems.append(f"{identity}: {error}")
            continue
        licences = [{"license": {"id": licence}}] if " " not in licence else [{"expression": licence}]
        components.append({
            "type": "library",
            "bom-ref": identity,
            "name": package["name"],
            "version": version,
            "purl": purl(package["url"], version),
            "licenses": licences,
            "externalReferences": [{"type": "vcs", "url": package["url"]}],
        })
    if problems:
        raise ValueError("; ".join(problems))
    root = graph["identity"]
    dependencies = [{"ref": root, "dependsOn": sorted(edges.get(root, set()))}]
    dependencies += [{"ref": identity, "dependsOn": sorted(edges.get(identity, set()))} for identity in sorted(seen)]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "scripts/sbom.py"}]},
            "component": {"type": "application", "bom-ref": root, "name": graph["name"], "licenses": [{"license": {"id": "Apache-2.0"}}]},
        },
        "components": components,
        "dependencies": dependencies,
    }


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: scripts/sbom.py GRAPH.json|-  (swift package show-dependencies --format json)", file=sys.stderr)
        return 2
    source = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
    try:
        graph = json.load(source)
    except json.JSONDecodeError as error:
        print(f"sbom: the dependency graph is not JSON: {error}", file=sys.stderr)
        return 1
    try:
        document = sbom(graph)
    except (ValueError, KeyError) as error:
        print(f"sbom: {error}", file=sys.stderr)
        return 1
    text = json.dumps(document, indent=2)
    problem = schema_problem(text)
    if problem:
        print(f"sbom: the document does not match the CycloneDX 1.5 schema: {problem}", file=sys.stderr)
        return 1
    print(text)
    return 0


def schema_problem(text: str):
    """The CycloneDX schema's complaint about the document, if any (cyclonedx-python-lib, from
    scripts/install-scanners.sh; without it the check is skipped with a note)."""
    try:
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
    except ImportError:
        print("sbom: cyclonedx-python-lib is not installed: schema check skipped", file=sys.stderr)
        return None
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
    return str(error).split("\n")[0] if error else None


if __name__ == "__main__":
    sys.exit(main())
