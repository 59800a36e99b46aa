"""Model files shipped with the project, for ``main_data.py --model`` and the presets: each
module defines FUNCTION(input_dim, n_classes, seed) returning an uncompiled ``keras.Model``."""
