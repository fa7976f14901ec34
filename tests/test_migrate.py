"""`legacy-seq2seq-compat migrate`: golden rewrites, reports, files, CLI, a migrated script."""

import io
import os
import subprocess
import sys
import textwrap

import pytest

from legacy_seq2seq_compat import cli, contrib, migrate
from legacy_seq2seq_compat.migrate import Report, migrate_paths, migrate_source

_RNN_GUIDE = ("is not provided by legacy_seq2seq_compat; see migration_guide.md section "
              "'Other tf.contrib.rnn cells and functions'")
_UNKNOWN_RNN = ("tf.contrib.rnn.NoSuchCell is not a member of tf.contrib.rnn that "
                "legacy_seq2seq_compat knows")


def _src(text):
    return textwrap.dedent(text).lstrip("\n")


# -- golden rewrites: (before, after) -------------------------------------------------------

GOLDEN = {
    "import tensorflow as tf": (
        """
        import tensorflow as tf

        cell = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.GRUCell(8) for _ in range(2)])
        outputs, state = tf.contrib.rnn.static_rnn(cell, inputs, dtype=tf.float32)
        out, st = tf.contrib.legacy_seq2seq.embedding_rnn_seq2seq(enc, dec, cell, 5, 5, 4)
        loss = tf.nn.seq2seq.sequence_loss(out, targets, weights)
        """,
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import legacy_seq2seq, rnn, rnn_cell

        cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(8) for _ in range(2)])
        outputs, state = rnn.static_rnn(cell, inputs, dtype=tf.float32)
        out, st = legacy_seq2seq.embedding_rnn_seq2seq(enc, dec, cell, 5, 5, 4)
        loss = legacy_seq2seq.sequence_loss(out, targets, weights)
        """),
    "import tensorflow as T": (
        """
        import tensorflow as T
        state = T.nn.rnn_cell.LSTMStateTuple(c, h)
        """,
        """
        import tensorflow as T
        from legacy_seq2seq_compat import rnn_cell
        state = rnn_cell.LSTMStateTuple(c, h)
        """),
    "import tensorflow.compat.v1 as tf": (
        '''
        """A tf_upgrade_v2-style script."""
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
        cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(4), 0.5)
        ''',
        '''
        """A tf_upgrade_v2-style script."""
        import tensorflow.compat.v1 as tf
        from legacy_seq2seq_compat import rnn_cell
        tf.disable_v2_behavior()
        cell = rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(4), 0.5)
        '''),
    "tf.compat.v1.nn.rnn_cell": (
        """
        import tensorflow as tf
        cell = tf.compat.v1.nn.rnn_cell.GRUCell(3)
        outputs, state = tf.compat.v1.nn.static_rnn(cell, xs, dtype=tf.float32)
        """,
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import rnn_cell
        cell = rnn_cell.GRUCell(3)
        outputs, state = tf.compat.v1.nn.static_rnn(cell, xs, dtype=tf.float32)
        """),
    "from tensorflow.compat import v1 as tf": (
        """
        from tensorflow.compat import v1 as tf
        cell = tf.nn.rnn_cell.LSTMCell(3, state_is_tuple=True)
        """,
        """
        from tensorflow.compat import v1 as tf
        from legacy_seq2seq_compat import rnn_cell
        cell = rnn_cell.LSTMCell(3, state_is_tuple=True)
        """),
    "plain import tensorflow": (
        """
        import tensorflow
        cell = tensorflow.contrib.rnn.BasicRNNCell(3)
        """,
        """
        import tensorflow
        from legacy_seq2seq_compat import rnn_cell
        cell = rnn_cell.BasicRNNCell(3)
        """),
    "from tensorflow.contrib import rnn, legacy_seq2seq as seq2seq": (
        """
        import tensorflow as tf
        from tensorflow.contrib import rnn, legacy_seq2seq as seq2seq  # the old way
        cell = rnn.GRUCell(8)
        outputs, _ = rnn.static_rnn(cell, xs, dtype=tf.float32)
        decoded = seq2seq.rnn_decoder(dec, state, cell)
        """,
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import legacy_seq2seq as seq2seq, rnn, rnn_cell  # the old way
        cell = rnn_cell.GRUCell(8)
        outputs, _ = rnn.static_rnn(cell, xs, dtype=tf.float32)
        decoded = seq2seq.rnn_decoder(dec, state, cell)
        """),
    "from tensorflow.contrib.rnn import GRUCell, static_rnn": (
        """
        from tensorflow.contrib.rnn import GRUCell, static_rnn
        outputs, _ = static_rnn(GRUCell(3), xs, dtype=dtype)
        """,
        """
        from legacy_seq2seq_compat.rnn_cell import GRUCell
        from legacy_seq2seq_compat.rnn import static_rnn
        outputs, _ = static_rnn(GRUCell(3), xs, dtype=dtype)
        """),
    "import tensorflow.contrib.slim as slim": (
        """
        import tensorflow.contrib.slim as slim
        net = slim.fully_connected(x, 10, scope="fc")
        """,
        """
        import tf_slim as slim
        net = slim.fully_connected(x, 10, scope="fc")
        """),
    "from tensorflow.contrib import slim": (
        """
        from tensorflow.contrib import slim
        with slim.arg_scope([slim.conv2d], padding="SAME"):
            pass
        """,
        """
        import tf_slim as slim
        with slim.arg_scope([slim.conv2d], padding="SAME"):
            pass
        """),
    "tf.contrib.slim / layers / framework": (
        """
        import tensorflow as tf
        slim = tf.contrib.slim
        h = tf.contrib.layers.fully_connected(x, 3)
        w = tf.contrib.layers.xavier_initializer()
        p = tf.contrib.layers.poincare_normalize(x)
        step = tf.contrib.framework.get_or_create_global_step()
        flat = tf.contrib.framework.nest.flatten(state)
        """,
        """
        import tensorflow as tf
        import tf_slim
        slim = tf_slim
        h = tf_slim.fully_connected(x, 3)
        w = tf_slim.xavier_initializer()
        p = tf_slim.layers.poincare_normalize(x)
        step = tf_slim.get_or_create_global_step()
        flat = tf.nest.flatten(state)
        """),
    "from tensorflow.contrib.layers / framework import": (
        """
        from tensorflow.contrib.layers import fully_connected as fc, xavier_initializer
        from tensorflow.contrib.framework import arg_scope, nest
        """,
        """
        from tf_slim import fully_connected as fc, xavier_initializer
        from tf_slim import arg_scope
        from tensorflow import nest
        """),
    "deep path legacy_seq2seq.python.ops.seq2seq": (
        """
        from tensorflow.contrib.legacy_seq2seq.python.ops import seq2seq as seq2seq_lib
        import tensorflow.contrib.legacy_seq2seq.python.ops.seq2seq as s2s
        loop = seq2seq_lib._extract_argmax_and_embed(embedding, (w, b))
        loss = s2s.sequence_loss_by_example(logits, targets, weights)
        """,
        """
        from legacy_seq2seq_compat import legacy_seq2seq as seq2seq_lib, decoders
        from legacy_seq2seq_compat import legacy_seq2seq as s2s
        loop = decoders.extract_argmax_and_embed(embedding, (w, b))
        loss = s2s.sequence_loss_by_example(logits, targets, weights)
        """),
    "deep path core_rnn_cell(_impl) and core_rnn": (
        """
        from tensorflow.contrib.rnn.python.ops import core_rnn_cell
        from tensorflow.contrib.rnn.python.ops.core_rnn_cell_impl import GRUCell
        from tensorflow.contrib.rnn.python.ops import core_rnn
        cell = core_rnn_cell.EmbeddingWrapper(GRUCell(3), 10, 4)
        outputs, _ = core_rnn.static_rnn(cell, xs, dtype=dtype)
        """,
        """
        from legacy_seq2seq_compat import rnn_cell as core_rnn_cell
        from legacy_seq2seq_compat.rnn_cell import GRUCell
        from legacy_seq2seq_compat import rnn as core_rnn
        cell = core_rnn_cell.EmbeddingWrapper(GRUCell(3), 10, 4)
        outputs, _ = core_rnn.static_rnn(cell, xs, dtype=dtype)
        """),
    "TF 0.x tensorflow.models.rnn and tf.nn.rnn": (
        """
        import tensorflow as tf
        from tensorflow.models.rnn import rnn_cell, seq2seq
        from tensorflow.models.rnn import rnn
        cell = rnn_cell.GRUCell(3)
        outputs, _ = rnn.rnn(cell, xs, dtype=tf.float32)
        fw = tf.nn.bidirectional_rnn(cell, cell, xs, dtype=tf.float32)
        old = tf.nn.rnn(cell, xs, dtype=tf.float32)
        out, _ = seq2seq.basic_rnn_seq2seq(xs, ys, cell)
        """,
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import rnn_cell, legacy_seq2seq as seq2seq, rnn
        cell = rnn_cell.GRUCell(3)
        outputs, _ = rnn.static_rnn(cell, xs, dtype=tf.float32)
        fw = rnn.static_bidirectional_rnn(cell, cell, xs, dtype=tf.float32)
        old = rnn.static_rnn(cell, xs, dtype=tf.float32)
        out, _ = seq2seq.basic_rnn_seq2seq(xs, ys, cell)
        """),
    "TF 0.x python/ops seq2seq": (
        f"""
        from {contrib._TF0_OPS_SEQ2SEQ.rsplit('.', 1)[0]} import seq2seq
        out = seq2seq.embedding_attention_seq2seq(enc, dec, cell, 5, 5, 4)
        """,
        """
        from legacy_seq2seq_compat import legacy_seq2seq as seq2seq
        out = seq2seq.embedding_attention_seq2seq(enc, dec, cell, 5, 5, 4)
        """),
    "plain import tensorflow.contrib.rnn": (
        """
        import tensorflow.contrib.rnn
        cell = tensorflow.contrib.rnn.GRUCell(3)
        act = tensorflow.nn.relu
        """,
        """
        import tensorflow
        from legacy_seq2seq_compat import rnn_cell
        cell = rnn_cell.GRUCell(3)
        act = tensorflow.nn.relu
        """),
    "name clash: the file binds rnn itself": (
        """
        import tensorflow as tf

        def rnn(x):
            return x

        outputs, _ = tf.contrib.rnn.static_rnn(tf.contrib.rnn.GRUCell(3), xs, dtype=tf.float32)
        """,
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import rnn as lsc_rnn, rnn_cell

        def rnn(x):
            return x

        outputs, _ = lsc_rnn.static_rnn(rnn_cell.GRUCell(3), xs, dtype=tf.float32)
        """),
    "already partly migrated: the import is extended": (
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import legacy_seq2seq
        cell = tf.contrib.rnn.GRUCell(3)
        """,
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import legacy_seq2seq, rnn_cell
        cell = rnn_cell.GRUCell(3)
        """),
    "comments and odd formatting are kept": (
        """
        # A header comment.
        import tensorflow as tf
        from tensorflow.contrib.rnn import (  # cells we use
            GRUCell,  # the GRU
            static_rnn,   # unrolls
        )

        cell = tf.contrib.rnn.MultiRNNCell(  # two layers
            [GRUCell(8),   # first
             tf.contrib.rnn.GRUCell( 8 )],  # second ; odd spacing
            state_is_tuple = True)
        x  =  1    # untouched line
        """,
        """
        # A header comment.
        import tensorflow as tf
        from legacy_seq2seq_compat.rnn_cell import (  # cells we use
            GRUCell,  # the GRU
        )
        from legacy_seq2seq_compat.rnn import (  # cells we use
            static_rnn,   # unrolls
        )
        from legacy_seq2seq_compat import rnn_cell

        cell = rnn_cell.MultiRNNCell(  # two layers
            [GRUCell(8),   # first
             rnn_cell.GRUCell( 8 )],  # second ; odd spacing
            state_is_tuple = True)
        x  =  1    # untouched line
        """),
    "nothing to do": (
        """
        import tensorflow as tf
        from legacy_seq2seq_compat import rnn_cell
        cell = rnn_cell.GRUCell(3)
        y = tf.nn.relu(x)
        """,
        None),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_rewrite(name):
    before, after = (_src(t) if t is not None else None for t in GOLDEN[name])
    result = migrate_source(before, "golden.py")
    assert result.reports == []
    assert result.code == (before if after is None else after)
    assert result.changed is (after is not None)
    again = migrate_source(result.code, "golden.py")
    assert again.code == result.code and again.reports == [] and not again.changed


def test_contrib_rnn_ops_module_imports_move_to_their_modules():
    before = _src("""
        from tensorflow.contrib.rnn.python.ops.lstm_ops import LSTMBlockCell
        from tensorflow.contrib.rnn.python.ops import rnn_cell as contrib_cells
        cell = contrib_cells.NASCell(3)
        """)
    result = migrate_source(before, "x.py")
    assert result.code == _src("""
        from legacy_seq2seq_compat.fused_rnn_cell import LSTMBlockCell
        from legacy_seq2seq_compat import contrib_rnn
        cell = contrib_rnn.NASCell(3)
        """)
    assert result.reports == []


def test_every_old_import_path_of_contrib_is_known():
    for path in contrib._PATHS:
        assert migrate._split(path) == (path, []), path


# -- what is reported and left as it was -----------------------------------------------------

UNCONVERTIBLE = _src("""
    import tensorflow as tf
    from tensorflow.contrib.rnn import *
    from tensorflow.contrib.seq2seq import BasicDecoder
    from tensorflow.contrib import crf
    block = tf.contrib.grid_rnn.Grid2LSTMCell(8)
    decoder = tf.contrib.seq2seq.BasicDecoder(cell, helper, state)
    ll = tf.contrib.crf.crf_log_likelihood(x, y, n)
    cells = tf.contrib.rnn
    cls = getattr(tf.contrib.rnn, name)
    lin = tf.nn.rnn_cell._linear(args, 4, True)
    tf.contrib.rnn.GRUCell = MyCell
    extra = tf.contrib.layers.no_such_layer(x)
    ok = tf.contrib.rnn.GRUCell(3)
    """)

UNCONVERTIBLE_REPORTS = [
    "bad.py:2: from tensorflow.contrib.rnn import * cannot be converted; import the names you use",
    "bad.py:3: tf.contrib.seq2seq.BasicDecoder is not provided by legacy_seq2seq_compat; see "
    "migration_guide.md section 'tf.contrib.seq2seq'",
    "bad.py:4: tf.contrib.crf is not provided by legacy_seq2seq_compat; see migration_guide.md "
    "section 'tf.contrib.crf'",
    f"bad.py:5: tf.contrib.grid_rnn.Grid2LSTMCell {_RNN_GUIDE}",
    "bad.py:6: tf.contrib.seq2seq.BasicDecoder is not provided by legacy_seq2seq_compat; see "
    "migration_guide.md section 'tf.contrib.seq2seq'",
    "bad.py:7: tf.contrib.crf.crf_log_likelihood is not provided by legacy_seq2seq_compat; see "
    "migration_guide.md section 'tf.contrib.crf'",
    "bad.py:8: tf.contrib.rnn is used as a value; only uses of its members by name (such as "
    "tf.contrib.rnn.NAME) are converted",
    "bad.py:9: tf.contrib.rnn is used as a value; only uses of its members by name (such as "
    "tf.contrib.rnn.NAME) are converted",
    "bad.py:10: tf.nn.rnn_cell._linear is private to TensorFlow and has no public counterpart "
    "in legacy_seq2seq_compat",
    "bad.py:11: assignment to tf.contrib.rnn.GRUCell is not converted",
    "bad.py:12: tf.contrib.layers.no_such_layer is not provided by legacy_seq2seq_compat "
    "(tf-slim does not have it either); see migration_guide.md section "
    "'tf.contrib.layers and tf.contrib.framework'",
]


def test_unconvertible_uses_are_reported_and_left_as_they_were():
    result = migrate_source(UNCONVERTIBLE, "bad.py")
    assert [str(r) for r in result.reports] == UNCONVERTIBLE_REPORTS
    # After the first block of imports, the new import; the convertible use is converted.
    expected = UNCONVERTIBLE.replace(
        "import crf\n", "import crf\nfrom legacy_seq2seq_compat import rnn_cell\n").replace(
        "ok = tf.contrib.rnn.GRUCell(3)", "ok = rnn_cell.GRUCell(3)")
    assert result.code == expected
    # The reason text matches the runtime error's section.
    assert contrib.not_provided("tf.contrib.grid_rnn.Grid2LSTMCell").section in _RNN_GUIDE
    # Idempotent: the second run changes nothing and reports the same items (those after
    # the added import one line lower).
    again = migrate_source(result.code, "bad.py")
    assert again.code == result.code
    assert [(r.line, r.reason) for r in again.reports] == [
        (r.line + (r.line > 4), r.reason) for r in result.reports]


def test_a_partly_convertible_import_keeps_the_rest():
    before = _src("""
        from tensorflow.contrib.rnn import NoSuchCell, GRUCell
        from tensorflow.contrib import rnn
        a = rnn.GRUCell(2), rnn.NoSuchCell(3)
        """)
    result = migrate_source(before, "p.py")
    assert result.code == _src("""
        from tensorflow.contrib.rnn import NoSuchCell
        from legacy_seq2seq_compat.rnn_cell import GRUCell
        from legacy_seq2seq_compat import rnn_cell
        from tensorflow.contrib import rnn
        a = rnn_cell.GRUCell(2), rnn.NoSuchCell(3)
        """)
    assert [str(r) for r in result.reports] == [
        f"p.py:1: {_UNKNOWN_RNN}",
        f"p.py:3: {_UNKNOWN_RNN}"]
    assert migrate_source(result.code, "p.py").code == result.code


def test_a_kept_old_alias_makes_the_new_import_take_another_name():
    before = _src("""
        from tensorflow.models.rnn import rnn_cell
        a = rnn_cell._linear(x, 3, True)
        b = rnn_cell.GRUCell(3)
        """)
    result = migrate_source(before, "k.py")
    assert result.code == _src("""
        from tensorflow.models.rnn import rnn_cell
        from legacy_seq2seq_compat import rnn_cell as lsc_rnn_cell
        a = rnn_cell._linear(x, 3, True)
        b = lsc_rnn_cell.GRUCell(3)
        """)
    assert [str(r) for r in result.reports] == [
        "k.py:2: tensorflow.models.rnn.rnn_cell._linear is private to TensorFlow and has no "
        "public counterpart in legacy_seq2seq_compat"]


def test_unparsable_source_is_reported_not_changed():
    result = migrate_source('import tensorflow as tf\nprint "x"\n', "py2.py")
    assert not result.parsed and not result.changed
    assert result.code == 'import tensorflow as tf\nprint "x"\n'
    assert len(result.reports) == 1
    assert str(result.reports[0]).startswith("py2.py:2: cannot parse: ")


@pytest.mark.parametrize("call, fragment", [
    (lambda: migrate_source(b"x = 1\n"), "code must be a str, got bytes"),
    (lambda: migrate_source("x = 1\n", path=3), "path must be a str, got int"),
    (lambda: migrate_paths("a.py"), "paths must be a list of file or directory paths, got str"),
    (lambda: migrate_paths([]), "paths must name at least one file or directory, got []"),
    (lambda: migrate_paths(["a.py"], write="yes"), "write must be a bool, got str: 'yes'"),
])
def test_bad_arguments_name_the_argument(call, fragment):
    with pytest.raises((TypeError, ValueError)) as error:
        call()
    assert fragment in str(error.value)


def test_report_text():
    assert str(Report("a.py", 3, "why")) == "a.py:3: why"


# -- files -----------------------------------------------------------------------------------

OLD = "import tensorflow as tf\ncell = tf.contrib.rnn.GRUCell(3)  # keep me\n"
NEW = ("import tensorflow as tf\nfrom legacy_seq2seq_compat import rnn_cell\n"
       "cell = rnn_cell.GRUCell(3)  # keep me\n")


def _tree(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / ".hidden").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(OLD)
    (tmp_path / "pkg" / "sub" / "a.py").write_text(OLD.replace("\n", "\r\n"))
    (tmp_path / "pkg" / "clean.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "notes.txt").write_text(OLD)
    (tmp_path / "pkg" / ".hidden" / "h.py").write_text(OLD)
    return tmp_path / "pkg"


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = cli.main(argv)
    finally:
        sys.stdout, sys.stderr = old
    return status, out.getvalue(), err.getvalue()


def test_directories_are_walked_in_order(tmp_path):
    pkg = _tree(tmp_path)
    assert list(migrate.iter_python_files([str(pkg), str(pkg / "b.py")])) == [
        str(pkg / "b.py"), str(pkg / "clean.py"), str(pkg / "sub" / "a.py")]


def test_cli_diff_mode_prints_a_diff_and_touches_nothing(tmp_path):
    pkg = _tree(tmp_path)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pkg.rglob("*")
              if p.is_file()}
    status, out, err = _run(["migrate", str(pkg)])
    assert status == 0 and err == ""
    shown = str(pkg / "b.py").lstrip("/")
    assert out.startswith(f"--- a/{shown}\n+++ b/{shown}\n@@ -1,2 +1,3 @@\n")
    assert "+from legacy_seq2seq_compat import rnn_cell\n" in out
    assert "-cell = tf.contrib.rnn.GRUCell(3)  # keep me\n" in out
    assert out.count("--- a/") == 2
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pkg.rglob("*") if p.is_file()}
    assert after == before


def test_cli_write_keeps_an_exact_backup_and_a_second_run_changes_nothing(tmp_path):
    pkg = _tree(tmp_path)
    status, out, err = _run(["migrate", "--write", str(pkg)])
    assert status == 0 and out == ""
    assert (pkg / "b.py").read_text() == NEW
    assert (pkg / "b.py.bak").read_text() == OLD
    # The CRLF file stays CRLF; its backup is byte for byte the original.
    assert (pkg / "sub" / "a.py").read_bytes() == NEW.replace("\n", "\r\n").encode()
    assert (pkg / "sub" / "a.py.bak").read_bytes() == OLD.replace("\n", "\r\n").encode()
    assert not (pkg / "clean.py.bak").exists()
    assert (pkg / ".hidden" / "h.py").read_text() == OLD
    assert f"{pkg / 'b.py'}: migrated (original kept in {pkg / 'b.py.bak'})" in err
    listing = sorted(str(p) for p in pkg.rglob("*"))
    status, out, err = _run(["migrate", "--write", str(pkg)])
    assert (status, out, err) == (0, "", "no changes: 3 file(s) checked\n")
    assert sorted(str(p) for p in pkg.rglob("*")) == listing


def test_write_never_overwrites_a_backup(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(OLD)
    (tmp_path / "s.py.bak").write_text("someone's backup\n")
    assert migrate_paths([str(path)], write=True, out=io.StringIO(), err=io.StringIO()) == 0
    assert (tmp_path / "s.py.bak").read_text() == "someone's backup\n"
    assert (tmp_path / "s.py.bak.1").read_text() == OLD
    assert path.read_text() == NEW


def test_reports_give_exit_status_1_and_go_to_stderr(tmp_path):
    path = tmp_path / "r.py"
    path.write_text("import tensorflow as tf\nc = tf.contrib.grid_rnn.Grid2LSTMCell(3)\n")
    status, out, err = _run(["migrate", "--write", str(path)])
    assert status == 1 and out == ""
    assert err == f"{path}:2: tf.contrib.grid_rnn.Grid2LSTMCell {_RNN_GUIDE}\n"
    assert not (tmp_path / "r.py.bak").exists()


@pytest.mark.parametrize("content", [
    b'import tensorflow as tf\nprint "hello"\ncell = tf.contrib.rnn.GRUCell(3)\n',
    b"import tensorflow as tf\ncell = tf.contrib.rnn.GRUCell(3)\nname = '\xff\xfe'\n",
], ids=["python2", "not-utf8"])
def test_a_file_that_does_not_parse_is_never_touched(tmp_path, content):
    path = tmp_path / "old.py"
    path.write_bytes(content)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    status, out, err = _run(["migrate", "--write", str(path)])
    assert status == 1 and out == ""
    line = 2 if b"print" in content else 3
    assert err.startswith(f"{path}:{line}: cannot parse: ")
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert list(tmp_path.iterdir()) == [path]


def test_the_encoding_declared_by_a_file_is_kept(tmp_path):
    path = tmp_path / "latin.py"
    original = OLD.replace("# keep me", "# caf\xe9")
    path.write_bytes(("# -*- coding: latin-1 -*-\n" + original).encode("latin-1"))
    assert migrate_paths([str(path)], write=True, out=io.StringIO(), err=io.StringIO()) == 0
    assert path.read_bytes() == ("# -*- coding: latin-1 -*-\n" + NEW.replace(
        "# keep me", "# caf\xe9")).encode("latin-1")


def test_a_missing_path_is_a_usage_error(tmp_path):
    (tmp_path / "s.py").write_text(OLD)
    status, out, err = _run(["migrate", "--write", str(tmp_path / "s.py"),
                             str(tmp_path / "nope")])
    assert status == 2 and out == ""
    assert "no such file or directory" in err and "nope" in err
    assert (tmp_path / "s.py").read_text() == OLD


def test_cli_requires_a_path(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["migrate"])
    assert stop.value.code == 2
    assert "the following arguments are required: PATH" in capsys.readouterr().err


# -- a migrated TF1 script runs on plain TensorFlow 2.x --------------------------------------

TF1_SCRIPT = _src('''
    """A TF 1.x seq2seq script, the way tf_upgrade_v2 left it."""
    import tensorflow.compat.v1 as tf
    from tensorflow.contrib import legacy_seq2seq as seq2seq  # the model
    from tensorflow.contrib import rnn

    tf.disable_v2_behavior()

    encoder_inputs = [tf.placeholder(tf.int32, [None], name="enc%d" % i) for i in range(3)]
    decoder_inputs = [tf.placeholder(tf.int32, [None], name="dec%d" % i) for i in range(2)]
    cell = tf.nn.rnn_cell.GRUCell(8)
    outputs, state = seq2seq.embedding_rnn_seq2seq(
        encoder_inputs, decoder_inputs, cell,
        num_encoder_symbols=10, num_decoder_symbols=10, embedding_size=4)
    steps = [tf.placeholder(tf.float32, [None, 3]) for _ in range(2)]
    stack = rnn.MultiRNNCell([rnn.BasicLSTMCell(5) for _ in range(2)])
    _, _ = rnn.static_rnn(stack, steps, dtype=tf.float32, scope="stack")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {p: [1, 2] for p in encoder_inputs + decoder_inputs}
        print(sess.run(outputs[0], feed).shape)
    for variable in tf.global_variables():
        print(variable.name)
    ''')


@pytest.mark.slow
def test_a_migrated_tf1_script_runs_on_plain_tensorflow(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TF1_SCRIPT)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("TF_USE_LEGACY_KERAS", None)
    proc = subprocess.run([sys.executable, "-m", "legacy_seq2seq_compat", "migrate", "--write",
                           str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    migrated = script.read_text()
    assert "contrib" not in migrated and "nn.rnn_cell" not in migrated
    assert (tmp_path / "train.py.bak").read_text() == TF1_SCRIPT
    assert "from legacy_seq2seq_compat import legacy_seq2seq as seq2seq, rnn, rnn_cell  " \
           "# the model\n" in migrated
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.split()
    assert lines[0] == "(2,"  # (batch, num_decoder_symbols) printed as "(2, 10)"
    assert "embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding:0" in lines
    # TF 1.15's variable names: the rewrite targets really are this library's objects.
    assert "embedding_rnn_seq2seq/rnn/embedding_wrapper/gru_cell/gates/kernel:0" in lines
    assert ("embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/"
            "output_projection_wrapper/gru_cell/candidate/bias:0") in lines
    assert "stack/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0" in lines
    # Running the command again changes nothing and creates no new backup.
    again = subprocess.run([sys.executable, "-m", "legacy_seq2seq_compat", "migrate",
                            str(script)], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=300, check=False)
    assert (again.returncode, again.stdout) == (0, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py", "train.py.bak"]


_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
_COMPAT_IMPORT = "import tensorflow.compat.v1 as tf\n\ntf.disable_v2_behavior()\n"


def _plain_python(args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_migrated_fixture_projects_run_on_plain_tensorflow(tmp_path):
    """The guide's step 2 on the TF 1.x fixture projects: migrate --write --compat-v1."""
    import shutil

    projects = tmp_path / "projects"
    shutil.copytree(_FIXTURES, projects)
    out, err = io.StringIO(), io.StringIO()
    assert migrate_paths([str(projects)], write=True, out=out, err=err,
                         compat_v1=True) == 0, err.getvalue()
    # Only the "migrated" notes, no report of anything left unconverted.
    assert all(": migrated (original kept in " in line for line in err.getvalue().splitlines())
    for path in sorted(projects.rglob("*.py")):
        text = path.read_text()
        assert "contrib" not in text and "nn.rnn_cell" not in text, path
        if "import tensorflow" in text:
            assert "import tensorflow.compat.v1 as tf\n" in text, path
            assert "\ntf.disable_v2_behavior()\n" in text, path
    assert sorted(p.name for p in projects.rglob("*.py.bak")) == [
        "chatbot.py.bak", "data_utils.py.bak", "dist_translate.py.bak", "echo_task.py.bak",
        "model.py.bak", "sample.py.bak", "seq2seq_model.py.bak", "train.py.bak",
        "translate.py.bak"]

    run = tmp_path / "run"
    run.mkdir()
    chat = _plain_python([str(projects / "chatbot" / "chatbot.py"), "--save_dir=save",
                          "--steps=30", "--hidden_size=16", "--embedding_size=8",
                          "--questions=hi"], run)
    assert "bot: " in chat
    _plain_python([str(projects / "char_rnn" / "train.py"), "--data_dir",
                   str(projects / "char_rnn" / "data" / "tiny"), "--save_dir", "save",
                   "--log_dir", "logs", "--rnn_size", "16", "--num_layers", "2",
                   "--batch_size", "8", "--seq_length", "16", "--num_epochs", "1"], run)
    sample = _plain_python([str(projects / "char_rnn" / "sample.py"), "--save_dir", "save",
                            "-n", "20", "--prime", "the "], run)
    assert sample.strip().startswith("the ")
    translate = _plain_python([str(projects / "translate" / "translate.py"), "--data_dir=data",
                               "--train_dir=train", "--size=16", "--num_layers=2",
                               "--batch_size=16", "--num_samples=8", "--max_train_steps=20",
                               "--steps_per_checkpoint=20"], run)
    assert "perplexity" in translate


@pytest.mark.parametrize("before, after", [
    ("import tensorflow as tf\n", _COMPAT_IMPORT),
    # The call goes after the import block, once per alias; other aliases are kept.
    ('"""Doc."""\nfrom __future__ import print_function\nimport numpy as np, tensorflow as tf'
     '  # both\nimport os\nx = tf.constant(1)\n',
     '"""Doc."""\nfrom __future__ import print_function\nimport numpy as np, '
     'tensorflow.compat.v1 as tf  # both\nimport os\n\ntf.disable_v2_behavior()\n\n'
     'x = tf.constant(1)\n'),
    ("import tensorflow as T\n\n\ndef f():\n    return T.placeholder(T.float32)\n",
     "import tensorflow.compat.v1 as T\n\nT.disable_v2_behavior()\n\n\ndef f():\n"
     "    return T.placeholder(T.float32)\n"),
    # Left alone: no alias, compat.v1 already, a function-local import.
    ("import tensorflow\nx = tensorflow.constant(1)\n",
     "import tensorflow\nx = tensorflow.constant(1)\n"),
    ("import tensorflow.compat.v1 as tf\n", "import tensorflow.compat.v1 as tf\n"),
    ("def f():\n    import tensorflow as tf\n    return tf\n",
     "def f():\n    import tensorflow as tf\n    return tf\n"),
])
def test_compat_v1_switches_the_core_api(before, after):
    result = migrate_source(before, "m.py", compat_v1=True)
    assert result.code == after
    assert result.reports == []
    assert migrate_source(after, "m.py", compat_v1=True).code == after  # idempotent
    assert migrate_source(before, "m.py").code == before  # off by default


def test_compat_v1_together_with_the_rewrite():
    before = "import tensorflow as tf\ncell = tf.contrib.rnn.GRUCell(4)\n"
    assert migrate_source(before, "m.py", compat_v1=True).code == (
        "import tensorflow.compat.v1 as tf\nfrom legacy_seq2seq_compat import rnn_cell\n\n"
        "tf.disable_v2_behavior()\n\ncell = rnn_cell.GRUCell(4)\n")


def test_compat_v1_flag_on_the_command_line(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import tensorflow as tf\n")
    status, out, _ = _run(["migrate", "--compat-v1", str(script)])
    assert status == 0
    assert "+import tensorflow.compat.v1 as tf\n" in out and "+tf.disable_v2_behavior()\n" in out
    assert script.read_text() == "import tensorflow as tf\n"
    with pytest.raises(TypeError, match="compat_v1 must be a bool, got str"):
        migrate_paths([str(script)], compat_v1="yes")


def test_contrib_rnn_extras_move_to_their_modules():
    before = _src("""
        import tensorflow as tf
        from tensorflow.contrib.rnn import LSTMBlockCell, GRUCell
        cell = tf.contrib.rnn.NASCell(3)
        out = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(a, b, x)
        """)
    result = migrate_source(before, "x.py")
    assert result.code == _src("""
        import tensorflow as tf
        from legacy_seq2seq_compat.fused_rnn_cell import LSTMBlockCell
        from legacy_seq2seq_compat.rnn_cell import GRUCell
        from legacy_seq2seq_compat import contrib_rnn
        cell = contrib_rnn.NASCell(3)
        out = contrib_rnn.stack_bidirectional_dynamic_rnn(a, b, x)
        """)
    assert result.reports == []


# -- TF 1.x-only core API left in a file that imports plain tensorflow ----------------------

TF1_CORE = _src("""
    import tensorflow as tf
    from tensorflow.contrib import rnn

    x = tf.placeholder(tf.float32, [None, 3])
    cell = rnn.GRUCell(3)
    with tf.Session() as sess:
        step = tf.train.AdamOptimizer(0.1)
        tf.app.flags.DEFINE_integer("n", 1, "n")
        y = tf.nn.relu(x) + tf.compat.v1.placeholder(tf.float32)
""")
_HINT = "migrate with --compat-v1 to use tensorflow.compat.v1"


def test_tf1_only_core_api_left_behind_is_reported_with_the_compat_v1_hint(tmp_path):
    path = tmp_path / "core.py"
    path.write_text(TF1_CORE)
    status, out, err = _run(["migrate", str(path)])
    assert status == 1
    assert "+from legacy_seq2seq_compat import rnn_cell\n" in out  # still converted
    lines = err.splitlines()
    assert lines[:4] == [
        f"{path}:4: tf.placeholder is TF 1.x API that TF 2.x lacks (it has only "
        f"tf.compat.v1.placeholder); {_HINT}",
        f"{path}:6: tf.Session is TF 1.x API that TF 2.x lacks (it has only "
        f"tf.compat.v1.Session); {_HINT}",
        f"{path}:7: tf.train.AdamOptimizer is TF 1.x API that TF 2.x lacks (it has only "
        f"tf.compat.v1.train.AdamOptimizer); {_HINT}",
        f"{path}:8: tf.app is TF 1.x API that TF 2.x lacks (it has only "
        f"tf.compat.v1.app); {_HINT}",
    ]
    assert lines[4].startswith("4 use(s) of TF 1.x-only API fail on TF 2.x as they are: "
                               "rerun with --compat-v1")
    assert len(lines) == 5  # tf.nn.relu and tf.compat.v1.placeholder are fine on TF 2.x
    # With --compat-v1 the same file is switched and nothing is left to report.
    status, out, err = _run(["migrate", "--compat-v1", str(path)])
    assert (status, err) == (0, "")
    assert "+import tensorflow.compat.v1 as tf\n" in out


def test_migrate_source_reports_tf1_only_uses_by_line():
    result = migrate_source(TF1_CORE, "core.py")
    assert [(r.line, r.reason.split(" ")[0]) for r in result.reports] == [
        (4, "tf.placeholder"), (6, "tf.Session"), (7, "tf.train.AdamOptimizer"), (8, "tf.app")]
    assert migrate_source(TF1_CORE, "core.py", compat_v1=True).reports == []


def test_nothing_to_change_prints_a_one_line_summary(tmp_path):
    (tmp_path / "a.py").write_text("import tensorflow as tf\nprint(tf.constant(1))\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    assert _run(["migrate", str(tmp_path)]) == (0, "", "no changes: 2 file(s) checked\n")


def test_the_stored_name_lists_match_the_modules():
    """migrate reads them without importing TensorFlow; they must agree with the imports."""
    from legacy_seq2seq_compat import legacy_seq2seq, rnn, rnn_cell

    assert migrate._public_names("legacy_seq2seq") == set(legacy_seq2seq.__all__)
    assert migrate._public_names("rnn_cell") == set(rnn_cell.__all__)
    assert migrate._public_names("rnn") == set(rnn.__all__)
    assert migrate._literal("contrib", "_RNN_NOT_PROVIDED") == set(contrib._RNN_NOT_PROVIDED)


def test_tf1_only_names_are_missing_from_tf2_and_present_in_compat_v1():
    import tensorflow as tf

    from legacy_seq2seq_compat import _tf1_only

    def lookup(root, dotted):
        for part in dotted.split("."):
            root = getattr(root, part, None)
        return root

    assert {"placeholder", "Session", "app", "train.Saver", "nn.dynamic_rnn"} <= _tf1_only.NAMES
    assert [n for n in sorted(_tf1_only.NAMES) if lookup(tf, n) is not None] == []
    assert [n for n in sorted(_tf1_only.NAMES) if lookup(tf.compat.v1, n) is None] == []
    # Complete for the installed TensorFlow (python -m legacy_seq2seq_compat._tf1_only
    # prints the module with the list for another version).
    assert sorted(_tf1_only.NAMES) == _tf1_only._compute()


def test_an_import_compat_v1_cannot_switch_is_reported_with_the_by_hand_fix():
    code = "import tensorflow\n\nx = tensorflow.Session()\n"
    result = migrate_source(code, "plain.py", compat_v1=True)
    assert result.code == code
    assert [str(r) for r in result.reports] == [
        "plain.py:3: tf.Session is TF 1.x API that TF 2.x lacks (it has only "
        "tf.compat.v1.Session); --compat-v1 switches only top-level `import tensorflow as X` "
        "lines: change this file's import to `import tensorflow.compat.v1 as tf` by hand"]
