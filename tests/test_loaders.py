"""Real-data loaders on small fixtures written into ``tmp_path``. Expected values are built
from the fixture rows with plain Python (dicts, sets, scalar loops), independently of the
vectorized pandas/numpy code under test."""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch

from graphreg.data import (
    PairData,
    combine_string_channels,
    load_biogrid,
    load_costanzo,
    load_edge_list,
    load_pair_table,
    load_pairs_with_graphs,
    load_string,
)
from graphreg.data.loaders._read import read_fields
from graphreg.graph import Graph


def _write(path: Path, lines: list[str], *, gzipped: bool = False) -> Path:
    text = "".join(line + "\n" for line in lines)
    if gzipped:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _as_dict(data: PairData) -> dict[tuple[str, str], float]:
    return {(data.genes[a], data.genes[b]): float(s) for (a, b), s in zip(data.pairs.tolist(), data.scores.tolist())}


def _mean_by_unordered_pair(rows: list[tuple[str, str, float]]) -> dict[tuple[str, str], float]:
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for a, b, score in rows:
        groups[tuple(sorted((a, b)))].append(score)
    return {pair: sum(scores) / len(scores) for pair, scores in groups.items()}


def _edge_set(graph: Graph, genes: list[str]) -> set[tuple[str, str]]:
    return {(genes[s], genes[t]) for s, t in graph.edge_index.t().tolist()}


def _both_directions(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return edges | {(b, a) for a, b in edges}


# ---------------------------------------------------------------- pair tables

PAIR_ROWS = [
    ("YAL001C", "YBR002W", 1.5),
    ("YBR002W", "YAL001C", -0.5),  # same unordered pair, other orientation
    ("YCR003C", "YAL001C", -4.25),
    ("YCR003C", "YDL004W", 0.125),
    ("YAL001C", "YCR003C", -2.0),
    ("YDL004W", "YDL004W", 0.75),  # a self pair is kept as a pair
]


def _pair_lines(sep: str, columns=("gene_a", "gene_b", "score")) -> list[str]:
    return [sep.join(columns)] + [sep.join((a, b, repr(s))) for a, b, s in PAIR_ROWS]


def test_pair_table_averages_unordered_duplicates_and_sorts_genes(tmp_path):
    data = load_pair_table(_write(tmp_path / "pairs.tsv", _pair_lines("\t")))
    assert data.genes == sorted({g for a, b, _ in PAIR_ROWS for g in (a, b)})
    assert data.graphs == {}
    expected = _mean_by_unordered_pair(PAIR_ROWS)
    got = _as_dict(data)
    assert set(got) == set(expected)
    for pair, score in expected.items():
        assert got[pair] == pytest.approx(score, abs=1e-6)
    assert data.scores.dtype == torch.float32 and data.pairs.dtype == torch.long


@pytest.mark.parametrize(("name", "sep", "gzipped"), [
    ("pairs.csv", ",", False),
    ("pairs.csv.gz", ",", True),
    ("pairs.dat", "\t", True),  # gzip found from the magic bytes, not the suffix
    ("pairs.txt", "   ", False),  # runs of spaces
])
def test_pair_table_formats_and_compression_give_the_same_data(tmp_path, name, sep, gzipped):
    reference = _as_dict(load_pair_table(_write(tmp_path / "ref.tsv", _pair_lines("\t"))))
    path = _write(tmp_path / name, _pair_lines(sep, columns=("orf1", "orf2", "S")), gzipped=gzipped)
    assert _as_dict(load_pair_table(path, gene_a="orf1", gene_b="orf2", score="S")) == reference


def test_pair_table_reads_several_files_as_one(tmp_path):
    lines = _pair_lines("\t")
    first = _write(tmp_path / "a.tsv", lines[:3])
    second = _write(tmp_path / "b.tsv", lines[:1] + lines[3:])
    together = load_pair_table([first, second])
    assert _as_dict(together) == _as_dict(load_pair_table(_write(tmp_path / "all.tsv", lines)))


def test_pair_table_skips_blank_lines_and_picks_named_columns_among_others(tmp_path):
    path = _write(tmp_path / "p.tsv", ["x\tscore\tgene_b\tgene_a", "1\t2.0\tB\tA", "", "3\t4.0\tA\tB", ""])
    assert _as_dict(load_pair_table(path)) == {("A", "B"): 3.0}


@pytest.mark.parametrize(("lines", "line", "message"), [
    (["gene_a\tgene_b\tscore", "A\tB\t1.0", "A\tC\tstrong", "B\tC\t2"], 3, "score 'strong' is not a number"),
    (["gene_a\tgene_b\tscore", "A\tB\t1.0", "", "A\tC"], 4, "missing field 'score'"),
    (["gene_a\tgene_b\tscore", "A\t\t1.0"], 2, "missing field 'gene_b'"),
    (["gene_a\tgene_b\tscore", "A\tB\tNA"], 2, "score 'NA' is not a number"),
    (["gene_a\tgene_b\tscore", "A\tB\t1", "A\tC\t-inf"], 3, "score -?inf is not a finite number"),
    (["gene_a\tgene_b\tscore", "A\tB\tnan"], 2, "score 'nan' is not a number"),
])
def test_malformed_pair_row_names_file_and_line(tmp_path, lines, line, message):
    path = _write(tmp_path / "bad.tsv", lines)
    with pytest.raises(ValueError, match=f"^{path}:{line}: {message}"):
        load_pair_table(path)


def test_pair_table_input_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        load_pair_table(tmp_path / "absent.tsv")
    path = _write(tmp_path / "p.tsv", ["a\tb\tscore", "A\tB\t1"])
    with pytest.raises(ValueError, match="no column 'gene_a' in header; columns are 'a', 'b', 'score'"):
        load_pair_table(path)
    with pytest.raises(ValueError, match="no pairs"):
        load_pair_table(_write(tmp_path / "empty.tsv", ["gene_a\tgene_b\tscore"]))


def test_a_gene_called_na_is_a_gene_and_a_byte_order_mark_is_no_name(tmp_path):
    data = load_pair_table(_write(tmp_path / "p.tsv", ["gene_a\tgene_b\tscore", "NA\tNone\t1.0"]))
    assert data.genes == ["NA", "None"]
    bom = tmp_path / "excel.csv"
    bom.write_bytes("gene_a,gene_b,score\nA,B,2\n".encode("utf-8-sig"))
    assert _as_dict(load_pair_table(bom)) == {("A", "B"): 2.0}
    headerless = tmp_path / "edges.txt"
    headerless.write_bytes("A B\n".encode("utf-8-sig"))
    assert load_edge_list(headerless, ["A", "B"]).num_edges == 2


# ---------------------------------------------------------------- Costanzo 2016

COSTANZO_HEADER = (
    "Query Strain ID\tQuery allele name\tArray Strain ID\tArray allele name\tArraytype/Temp\t"
    "Genetic interaction score (ε)\tP-value\tQuery single mutant fitness (SMF)\tArray SMF\t"
    "Double mutant fitness\tDouble mutant fitness standard deviation"
)
COSTANZO_ROWS = [  # query strain, array strain, epsilon, p-value
    ("YAL002W_tsq1", "YBR003W_dma2", -0.31, 0.001),
    ("YAL002W_tsq7", "YBR003W_dma2", -0.19, 0.2),  # second allele of the same gene
    ("YBR003W_tsq9", "YAL002W_dma5", -0.25, 0.01),  # other orientation
    ("YAL002W_tsq1", "YCL004C_dma3", 0.12, 0.04),
    ("YDL005C_sn10", "YCL004C_dma3", 0.05, 0.6),
]


def _costanzo_lines() -> list[str]:
    return [COSTANZO_HEADER] + [
        f"{q}\t{q.split('_')[1]}\t{a}\t{a.split('_')[1]}\tDMA30\t{e}\t{p}\t0.9\t0.95\t0.8\t0.02" for q, a, e, p in COSTANZO_ROWS
    ]


@pytest.mark.parametrize("max_pvalue", [None, 0.05])
def test_costanzo_genes_from_strain_ids_averaged_and_pvalue_filtered(tmp_path, max_pvalue):
    path = _write(tmp_path / "SGA_ExE.txt.gz", _costanzo_lines(), gzipped=True)
    kept = [r for r in COSTANZO_ROWS if max_pvalue is None or r[3] <= max_pvalue]
    expected = _mean_by_unordered_pair([(q.split("_")[0], a.split("_")[0], e) for q, a, e, _ in kept])
    got = _as_dict(load_costanzo(path, max_pvalue=max_pvalue))
    assert set(got) == set(expected)
    for pair, score in expected.items():
        assert got[pair] == pytest.approx(score, abs=1e-6)


def test_costanzo_reads_several_files_and_rejects_other_tables(tmp_path):
    lines = _costanzo_lines()
    first = _write(tmp_path / "SGA_ExE.txt", lines[:3])
    second = _write(tmp_path / "SGA_NxN.txt", lines[:1] + lines[3:])
    assert _as_dict(load_costanzo([first, second])) == _as_dict(load_costanzo(_write(tmp_path / "all.txt", lines)))
    with pytest.raises(ValueError, match="no column starting with 'Genetic interaction score'"):
        load_costanzo(_write(tmp_path / "t.tsv", _pair_lines("\t")))
    with pytest.raises(ValueError, match="max_pvalue must lie in"):
        load_costanzo(first, max_pvalue=0.0)


def test_costanzo_bad_pvalue_names_line(tmp_path):
    lines = _costanzo_lines()
    lines[2] = lines[2].replace("\t0.2\t", "\tn/a\t")
    path = _write(tmp_path / "SGA.txt", lines)
    with pytest.raises(ValueError, match=f"^{path}:3: pvalue 'n/a' is not a number"):
        load_costanzo(path, max_pvalue=0.05)


# ---------------------------------------------------------------- edge lists

GENES = ["A", "B", "C", "D", "E"]  # E has no edge in any fixture graph
EDGES = [("A", "B"), ("B", "C"), ("C", "A"), ("D", "C"), ("A", "Z"), ("B", "B"), ("A", "B")]
# Z is not a gene of the pairs, B-B is a self-loop, A-B is repeated.
EXPECTED_DIRECTED = {("A", "B"), ("B", "C"), ("C", "A"), ("D", "C")}


@pytest.mark.parametrize("directed", [False, True])
def test_edge_list_whitespace_without_header(tmp_path, directed):
    path = _write(tmp_path / "Krogan.txt", [f"{a} {b}" for a, b in EDGES])
    graph = load_edge_list(path, GENES, directed=directed, name="krogan")
    expected = EXPECTED_DIRECTED if directed else _both_directions(EXPECTED_DIRECTED)
    assert _edge_set(graph, GENES) == expected
    assert graph.num_edges == len(expected)
    assert (graph.num_nodes, graph.directed, graph.name) == (5, directed, "krogan")


def test_edge_list_named_columns_in_a_wider_table(tmp_path):
    lines = ["orf_a\tentrez_a\torf_b\tweight"] + [f"{a}\t{i}\t{b}\t0.5" for i, (a, b) in enumerate(EDGES)]
    graph = load_edge_list(_write(tmp_path / "e.tsv.gz", lines, gzipped=True), GENES, columns=("orf_a", "orf_b"))
    assert _edge_set(graph, GENES) == _both_directions(EXPECTED_DIRECTED)
    assert graph.name == "e"  # default name: the file name before its first dot


def test_edge_list_header_flag_and_positions(tmp_path):
    lines = ["weight,to,from"] + [f"1,{b},{a}" for a, b in EDGES]
    graph = load_edge_list(_write(tmp_path / "e.csv", lines), GENES, columns=(2, 1), header=True, directed=True)
    assert _edge_set(graph, GENES) == EXPECTED_DIRECTED


def test_edge_list_errors(tmp_path):
    path = _write(tmp_path / "e.txt", ["A B", "B C", "C", "D A"])
    with pytest.raises(ValueError, match=f"^{path}:3: missing field #2"):
        load_edge_list(path, GENES)
    other_ids = _write(tmp_path / "symbols.txt", ["ACT1 MYO2", "MYO2 A"])
    with pytest.raises(ValueError, match="no edge joins two of the 5 genes"):
        load_edge_list(other_ids, GENES)
    with pytest.raises(ValueError, match="is named but the file is read without a header"):
        read_fields(path, {"x": "a"}, header=False)
    with pytest.raises(ValueError, match="columns must name 2 columns"):
        load_edge_list(path, GENES, columns=(0, 1, 2))


# ---------------------------------------------------------------- STRING

STRING_CHANNELS = ["neighborhood", "fusion", "cooccurence", "coexpression", "experimental", "database", "textmining"]
STRING_LINKS = {  # (protein1, protein2): channel scores; the file lists both directions
    ("A", "B"): [0, 0, 0, 62, 900, 0, 310],
    ("A", "C"): [0, 0, 0, 0, 150, 0, 0],
    ("B", "D"): [0, 0, 0, 400, 0, 600, 200],
    ("C", "D"): [0, 0, 120, 0, 0, 0, 180],
    ("A", "X"): [0, 0, 0, 0, 999, 0, 0],  # X is no gene of the pairs
}


def _string_combined(scores: list[float], prior: float = 0.041) -> float:
    """STRING's combine_subscores, written as its scalar loop (independent reference)."""
    product = 1.0
    for score in scores:
        score = max(score / 1000.0, prior)
        product *= 1.0 - (score - prior) / (1.0 - prior)
    return 1000.0 * ((1.0 - product) * (1.0 - prior) + prior)


def _string_file(tmp_path: Path) -> Path:
    lines = ["protein1 protein2 " + " ".join(STRING_CHANNELS) + " combined_score"]
    for (a, b), channels in STRING_LINKS.items():
        combined = round(_string_combined(channels))
        for p, q in ((a, b), (b, a)):
            lines.append(f"4932.{p} 4932.{q} " + " ".join(map(str, channels)) + f" {combined}")
    return _write(tmp_path / "4932.protein.links.detailed.v12.0.txt.gz", lines, gzipped=True)


def _string_expected(score, min_score):
    return _both_directions({(a, b) for (a, b), channels in STRING_LINKS.items() if "X" not in (a, b) and score(channels) >= min_score})


@pytest.mark.parametrize("min_score", [0, 400, 800])
def test_string_combined_score_threshold_and_taxon_prefix(tmp_path, min_score):
    graph = load_string(_string_file(tmp_path), GENES, min_score=min_score)
    expected = _string_expected(lambda c: round(_string_combined(c)), min_score)
    assert _edge_set(graph, GENES) == expected
    assert graph.name == "4932"


@pytest.mark.parametrize(("channels", "min_score"), [(["experimental", "database"], 500), (["textmining"], 200), (["coexpression", "textmining", "cooccurence"], 300)])
def test_string_channel_selection_combines_like_string(tmp_path, channels, min_score):
    graph = load_string(_string_file(tmp_path), GENES, channels=channels, min_score=min_score)
    columns = [STRING_CHANNELS.index(c) for c in channels]
    expected = _string_expected(lambda c: _string_combined([c[i] for i in columns]), min_score)
    assert expected, "fixture must leave edges"
    assert _edge_set(graph, GENES) == expected


def test_string_single_channel_keeps_its_score_and_prefix_can_stay(tmp_path):
    scores = np.array([[41.0], [150.0], [900.0], [1000.0]])
    assert combine_string_channels(scores).tolist() == pytest.approx([41.0, 150.0, 900.0, 1000.0])
    with pytest.raises(ValueError, match="no edge joins"):
        load_string(_string_file(tmp_path), GENES, strip_taxon=False)
    prefixed = [f"4932.{g}" for g in GENES]
    graph = load_string(_string_file(tmp_path), prefixed, strip_taxon=False)
    assert graph.num_edges == 8


def test_string_errors(tmp_path):
    path = _string_file(tmp_path)
    with pytest.raises(ValueError, match="no STRING channel 'experiments'"):
        load_string(path, GENES, channels=["experiments"])
    with pytest.raises(ValueError, match="min_score must lie in"):
        load_string(path, GENES, min_score=0.9e4)


# ---------------------------------------------------------------- BioGRID TAB 3.0

BIOGRID_COLUMNS = [
    "#BioGRID Interaction ID", "Entrez Gene Interactor A", "Entrez Gene Interactor B", "BioGRID ID Interactor A",
    "BioGRID ID Interactor B", "Systematic Name Interactor A", "Systematic Name Interactor B",
    "Official Symbol Interactor A", "Official Symbol Interactor B", "Synonyms Interactor A", "Synonyms Interactor B",
    "Experimental System", "Experimental System Type", "Author", "Publication Source", "Organism ID Interactor A",
    "Organism ID Interactor B", "Throughput", "Score", "Modification", "Qualifications", "Tags", "Source Database",
    "SWISS-PROT Accessions Interactor A", "TREMBL Accessions Interactor A", "REFSEQ Accessions Interactor A",
    "SWISS-PROT Accessions Interactor B", "TREMBL Accessions Interactor B", "REFSEQ Accessions Interactor B",
    "Ontology Term IDs", "Ontology Term Names", "Ontology Term Categories", "Ontology Term Qualifier IDs",
    "Ontology Term Qualifier Names", "Ontology Term Types", "Organism Name Interactor A", "Organism Name Interactor B",
]
BIOGRID_ROWS = [  # systematic A, systematic B, symbol A, symbol B, system type, organism A, organism B
    ("A", "B", "aa1", "bb1", "physical", 559292, 559292),
    ("C", "B", "cc1", "bb1", "physical", 559292, 559292),
    ("A", "D", "aa1", "dd1", "genetic", 559292, 559292),
    ("C", "D", "cc1", "dd1", "physical", 559292, 9606),  # human partner
    ("-", "E", "ee0", "ee1", "physical", 559292, 559292),  # no systematic name
    ("D", "E", "dd1", "ee1", "physical", 4932, 4932),  # other taxon id
]


def _biogrid_file(tmp_path: Path) -> Path:
    lines = ["\t".join(BIOGRID_COLUMNS)]
    for i, (a, b, sa, sb, kind, oa, ob) in enumerate(BIOGRID_ROWS):
        values = dict.fromkeys(BIOGRID_COLUMNS, "-")
        values |= {
            "#BioGRID Interaction ID": str(100 + i), "Systematic Name Interactor A": a, "Systematic Name Interactor B": b,
            "Official Symbol Interactor A": sa, "Official Symbol Interactor B": sb,
            "Experimental System": "Affinity Capture-MS" if kind == "physical" else "Synthetic Lethality",
            "Experimental System Type": kind, "Organism ID Interactor A": str(oa), "Organism ID Interactor B": str(ob),
            "Qualifications": 'a "quoted" note', "Throughput": "High Throughput",
        }
        lines.append("\t".join(values[c] for c in BIOGRID_COLUMNS))
    return _write(tmp_path / "BIOGRID-ORGANISM-Saccharomyces_cerevisiae_S288c-4.4.tab3.txt.gz", lines, gzipped=True)


@pytest.mark.parametrize(("kwargs", "rows"), [
    ({}, [0, 1]),
    ({"system_type": None}, [0, 1, 2]),
    ({"system_type": "genetic"}, [2]),
    ({"organism": None}, [0, 1, 3, 5]),
    ({"organism": 4932, "system_type": None}, [5]),
])
def test_biogrid_filters_system_type_and_organism_of_both_interactors(tmp_path, kwargs, rows):
    graph = load_biogrid(_biogrid_file(tmp_path), GENES, **kwargs)
    assert _edge_set(graph, GENES) == _both_directions({BIOGRID_ROWS[i][:2] for i in rows})


def test_biogrid_symbols_and_direction(tmp_path):
    symbols = ["aa1", "bb1", "cc1", "dd1"]
    graph = load_biogrid(_biogrid_file(tmp_path), symbols, id_column="Official Symbol", directed=True, name="bg")
    assert _edge_set(graph, symbols) == {("aa1", "bb1"), ("cc1", "bb1")}
    assert (graph.directed, graph.name) == (True, "bg")
    with pytest.raises(ValueError, match="system_type must be one of"):
        load_biogrid(_biogrid_file(tmp_path), GENES, system_type="Physical interactions")


# ---------------------------------------------------------------- load_pairs_with_graphs


def test_load_pairs_with_graphs_builds_pair_data_over_the_pair_genes(tmp_path):
    pairs = _write(tmp_path / "pairs.tsv", ["g1\tg2\ts", "A\tB\t-3.0", "C\tA\t1.0", "E\tB\t0.5", "B\tA\t-1.0"])
    edges = _write(tmp_path / "ppi.txt", [f"{a} {b}" for a, b in EDGES])
    data = load_pairs_with_graphs(
        {"path": str(pairs), "format": "table", "gene_a": "g1", "gene_b": "g2", "score": "s"},
        [
            {"name": "ppi", "path": str(edges), "format": "edgelist"},
            {"name": "string", "path": str(_string_file(tmp_path)), "format": "string", "min_score": 400},
            {"name": "reg", "path": str(edges), "format": "edgelist", "directed": True},
            {"name": "biogrid", "path": str(_biogrid_file(tmp_path)), "format": "biogrid"},
        ],
    )
    assert data.genes == ["A", "B", "C", "E"]  # D occurs only in graphs: not a token
    assert _as_dict(data) == {("A", "B"): -2.0, ("A", "C"): 1.0, ("B", "E"): 0.5}
    assert list(data.graphs) == ["ppi", "string", "reg", "biogrid"]
    assert _edge_set(data.graphs["ppi"], data.genes) == _both_directions({("A", "B"), ("B", "C"), ("C", "A")})
    assert _edge_set(data.graphs["reg"], data.genes) == {("A", "B"), ("B", "C"), ("C", "A")}
    assert _edge_set(data.graphs["biogrid"], data.genes) == _both_directions({("A", "B"), ("C", "B")})
    assert all(graph.num_nodes == 4 and graph.name == name for name, graph in data.graphs.items())


def test_load_pairs_with_graphs_table_graph_and_costanzo_pairs(tmp_path):
    costanzo = _write(tmp_path / "SGA_ExE.txt", _costanzo_lines())
    table = _write(tmp_path / "bg.tsv", ["orf_a\torf_b\tentrez_a\tentrez_b", "YAL002W\tYBR003W\t1\t2", "YCL004C\tYQQ999W\t3\t4"])
    data = load_pairs_with_graphs(
        {"path": str(costanzo), "format": "costanzo", "max_pvalue": 0.05},
        [{"name": "bg", "path": str(table), "format": "table", "gene_a": "orf_a", "gene_b": "orf_b", "directed": False}],
    )
    assert data.genes == ["YAL002W", "YBR003W", "YCL004C"]
    assert _edge_set(data.graphs["bg"], data.genes) == {("YAL002W", "YBR003W"), ("YBR003W", "YAL002W")}


@pytest.mark.parametrize(("pairs_spec", "graph_specs", "message"), [
    ({"path": "P", "format": "matrix"}, [], r"data.pairs: unknown format 'matrix'; expected one of table, costanzo"),
    ({"path": "P", "scor": "s"}, [], r"data.pairs: unknown key 'scor' for format 'table'; expected one of path, gene_a"),
    ({"format": "table"}, [], r"data.pairs: missing key 'path'"),
    ({"path": "absent.tsv"}, [], r"absent.tsv: no such file"),
    ({"path": "P"}, [{"path": "E", "format": "edgelist"}], r"data.graphs\[0\]: missing key 'name'"),
    ({"path": "P"}, [{"name": "g", "path": "E"}], r"data.graphs\[0\]: missing key 'format'; expected one of edgelist, table, string, biogrid"),
    ({"path": "P"}, [{"name": "g", "path": "E", "format": "sif"}], r"data.graphs\[0\]: unknown format 'sif'"),
    ({"path": "P"}, [{"name": "g", "path": "E", "format": "table", "gene_a": "a"}], r"data.graphs\[0\]: missing key 'gene_b' for format 'table'"),
    ({"path": "P"}, [{"name": "g", "path": "E", "format": "string", "threshold": 3}], r"unknown key 'threshold' for format 'string'"),
    ({"path": "P"}, [{"name": "g", "path": "E", "format": "edgelist"}, {"name": "g", "path": "E", "format": "edgelist"}], r"data.graphs\[1\]: duplicate graph name 'g'"),
])
def test_load_pairs_with_graphs_spec_errors(tmp_path, monkeypatch, pairs_spec, graph_specs, message):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "P", ["gene_a\tgene_b\tscore", "A\tB\t1.0"])
    _write(tmp_path / "E", ["A B"])
    with pytest.raises(ValueError, match=message):
        load_pairs_with_graphs(pairs_spec, graph_specs)


def test_unparseable_file_is_a_one_line_value_error_naming_the_file(tmp_path):
    path = _write(tmp_path / "bad.csv", ["gene_a,gene_b,score", "A,B,1", '"A,C,2', "B,C,3"])
    with pytest.raises(ValueError, match=f"^{path}: .*EOF inside string") as caught:
        load_pair_table(path)
    assert "\n" not in str(caught.value)
