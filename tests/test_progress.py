"""The progress display: per running trial its sequences against the cap and its (labelled) error, an ETA, and
with stderr sent to a file a progress line at least once a minute."""

from lstm1997 import progress


def test_progress_shows_cap_error_and_eta_and_writes_a_line_a_minute_to_a_file(capsys):
    bar = progress.Bar("adding-T100", 4)  # stderr is captured, not a terminal: the bar itself is off
    now = [0.0]
    bar.clock, bar.start, bar.last_line = (lambda: now[0]), 0.0, 0.0
    record = {"experiment": "adding-T100", "seed": 9, "success": True, "sequences": 5, "presented": 5,
              "wall_time": 1.0}  # fmt: skip
    bar("done", {"record": record, "resumed": True})
    now[0] = 30.0
    bar("progress", {"experiment": "adding-T100", "seed": 0, "seen": 1000, "cap": 4000, "error": 0.5})
    assert capsys.readouterr().err == ""  # less than a minute
    now[0] = 61.0
    bar("progress", {"experiment": "adding-T100", "seed": 0, "seen": 2000, "cap": 4000, "error": 0.25})
    line = capsys.readouterr().err
    # 1 trial resumed, half of one done in 61 s, 2.5 trials left: 305 s
    assert line == "adding-T100: 1/4 trials done; seed 0: 2,000/4,000 seqs, error 0.25; ETA 5 min (if trials run to " \
        "their caps)\n"  # fmt: skip
    now[0] = 100.0
    bar("progress", {"experiment": "adding-T100", "seed": 0, "seen": 3000, "cap": 4000, "error": 0.2})
    assert capsys.readouterr().err == ""  # the last line is less than a minute old
    bar.close()
