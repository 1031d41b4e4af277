# lit configuration for tlc: FileCheck tests of the dialect, the passes and
# the importer. ONNX fixtures are made by Inputs/make_onnx_fixture.py.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "tlc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "unit", "models", "onnx-node", "CMakeLists.txt",
                   "lit.cfg.py", "lit.site.cfg.py"]

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
config.environment["PATH"] = os.pathsep.join(
    [config.tlc_tools_dir, config.llvm_tools_dir, config.environment["PATH"]])

# Ahead of lit's own %python (the interpreter running lit): tests need
# the Python with numpy and onnx.
config.substitutions.insert(0, ("%python", config.python))
config.substitutions.append(
    ("%make_fixture",
     f"{config.python} {os.path.join(config.test_source_root, 'Importers', 'onnx', 'Inputs', 'make_onnx_fixture.py')}"))
