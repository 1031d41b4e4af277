//===- ArtifactWriter.cpp - lowering a tl function to a .tlb --------------===//
//
// Values are numbered in program order: arguments, then every op result.
// tl.constant ops become weights (their bytes copied, 64-byte aligned, into
// weight_data); every other tl op becomes a kernel named by its mnemonic,
// with all attributes explicit (defaults filled in) so that the runtime
// never guesses.
//
//===----------------------------------------------------------------------===//

#include "tlc/Target/ArtifactWriter.h"

#include "tl/IR/TLOps.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/runtime/ArtifactFormat.h"

#include "Artifact.h" // the runtime core: its verifier and shape functions
#include "Plan.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

#include <cstring>
#include <functional>

using namespace mlir;
using namespace mlir::tl;
namespace fb = tlc::schema;

// Enum attributes are stored as integers whose values artifact.fbs declares;
// the dialect's enums (TLEnums.td) must keep the same values.
#define TLC_SAME_VALUE(tlEnum, fbEnum)                                         \
  static_assert(static_cast<int>(mlir::tl::tlEnum) ==                          \
                    static_cast<int>(fb::fbEnum),                              \
                "TLEnums.td and artifact.fbs disagree on " #tlEnum)
TLC_SAME_VALUE(Activation::none, Activation::None);
TLC_SAME_VALUE(Activation::relu, Activation::Relu);
TLC_SAME_VALUE(Activation::clip, Activation::Clip);
TLC_SAME_VALUE(Activation::sigmoid, Activation::Sigmoid);
TLC_SAME_VALUE(Activation::tanh, Activation::Tanh);
TLC_SAME_VALUE(Activation::hard_sigmoid, Activation::HardSigmoid);
TLC_SAME_VALUE(Activation::hard_swish, Activation::HardSwish);
TLC_SAME_VALUE(Activation::silu, Activation::Silu);
TLC_SAME_VALUE(Activation::gelu, Activation::Gelu);
TLC_SAME_VALUE(Activation::leaky_relu, Activation::LeakyRelu);
TLC_SAME_VALUE(PadMode::constant, PadMode::Constant);
TLC_SAME_VALUE(PadMode::reflect, PadMode::Reflect);
TLC_SAME_VALUE(PadMode::edge, PadMode::Edge);
TLC_SAME_VALUE(ResizeMode::nearest, ResizeMode::Nearest);
TLC_SAME_VALUE(ResizeMode::linear, ResizeMode::Linear);
TLC_SAME_VALUE(ResizeMode::cubic, ResizeMode::Cubic);
TLC_SAME_VALUE(CoordinateMode::half_pixel, CoordinateMode::HalfPixel);
TLC_SAME_VALUE(CoordinateMode::pytorch_half_pixel,
               CoordinateMode::PytorchHalfPixel);
TLC_SAME_VALUE(CoordinateMode::align_corners, CoordinateMode::AlignCorners);
TLC_SAME_VALUE(CoordinateMode::asymmetric, CoordinateMode::Asymmetric);
TLC_SAME_VALUE(NearestMode::round_prefer_floor, NearestMode::RoundPreferFloor);
TLC_SAME_VALUE(NearestMode::round_prefer_ceil, NearestMode::RoundPreferCeil);
TLC_SAME_VALUE(NearestMode::floor, NearestMode::Floor);
TLC_SAME_VALUE(NearestMode::ceil, NearestMode::Ceil);
#undef TLC_SAME_VALUE
static_assert(static_cast<int>(fb::Activation::MAX) ==
                  static_cast<int>(mlir::tl::getMaxEnumValForActivation()),
              "artifact.fbs lacks an activation of TLEnums.td");

namespace {

FailureOr<fb::DType> toDType(Location loc, Type type) {
  // Quantized weights are stored as their integers (Weight.quantization).
  if (auto q = dyn_cast<quant::QuantizedType>(type))
    type = q.getStorageType();
  if (type.isF32())
    return fb::DType::F32;
  if (type.isF16())
    return fb::DType::F16;
  if (type.isBF16())
    return fb::DType::BF16;
  if (type.isF64())
    return fb::DType::F64;
  if (type.isInteger(1))
    return fb::DType::Bool;
  if (auto i = dyn_cast<IntegerType>(type)) {
    if (i.isUnsigned() && i.getWidth() == 8)
      return fb::DType::U8;
    if (!i.isUnsigned()) {
      switch (i.getWidth()) {
      case 8:
        return fb::DType::I8;
      case 16:
        return fb::DType::I16;
      case 32:
        return fb::DType::I32;
      case 64:
        return fb::DType::I64;
      }
    }
  }
  return emitError(loc) << "element type " << type
                        << " cannot be stored in an artifact";
}

/// The bytes of a constant, little-endian, row-major, splats expanded.
FailureOr<std::vector<uint8_t>> constantBytes(ConstantOp op) {
  ElementsAttr value = op.getValue();
  auto type = cast<RankedTensorType>(value.getType());
  std::vector<uint8_t> bytes;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op.emitOpError("weight '")
             << resource.getRawHandle().getKey()
             << "' has no data (was it printed with elided weights?)";
    ArrayRef<char> data = blob->getData();
    bytes.assign(data.begin(), data.end());
  } else if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (type.getElementType().isInteger(1)) {
      for (bool b : dense.getValues<bool>())
        bytes.push_back(b);
    } else {
      ArrayRef<char> raw = dense.getRawData();
      if (dense.isSplat()) {
        for (int64_t i = 0; i < type.getNumElements(); ++i)
          bytes.insert(bytes.end(), raw.begin(), raw.end());
      } else {
        bytes.assign(raw.begin(), raw.end());
      }
    }
  } else {
    return op.emitOpError("unsupported constant attribute ") << value;
  }
  Type element = type.getElementType();
  if (auto q = dyn_cast<quant::QuantizedType>(element))
    element = q.getStorageType();
  unsigned bits = element.getIntOrFloatBitWidth();
  size_t expected = type.getNumElements() * std::max(1u, bits / 8);
  if (bytes.size() != expected)
    return op.emitOpError("constant holds ")
           << bytes.size() << " bytes, its type needs " << expected;
  return bytes;
}

/// An attribute as integers or floats; nullopt for one the schema cannot
/// hold.
struct EncodedAttr {
  std::vector<int64_t> ints;
  std::vector<float> floats;
};

std::optional<EncodedAttr> encodeAttr(Attribute attr) {
  EncodedAttr e;
  if (auto b = dyn_cast<BoolAttr>(attr))
    e.ints = {b.getValue()};
  else if (auto i = dyn_cast<IntegerAttr>(attr))
    e.ints = {i.getValue().getSExtValue()};
  else if (auto f = dyn_cast<FloatAttr>(attr))
    e.floats = {static_cast<float>(f.getValueAsDouble())};
  else if (auto a = dyn_cast<DenseI64ArrayAttr>(attr))
    e.ints.assign(a.asArrayRef().begin(), a.asArrayRef().end());
  else if (auto a = dyn_cast<DenseF32ArrayAttr>(attr))
    e.floats.assign(a.asArrayRef().begin(), a.asArrayRef().end());
  else if (auto a = dyn_cast<ActivationAttr>(attr))
    e.ints = {static_cast<int64_t>(a.getValue())};
  else if (auto a = dyn_cast<PadModeAttr>(attr))
    e.ints = {static_cast<int64_t>(a.getValue())};
  else if (auto a = dyn_cast<ResizeModeAttr>(attr))
    e.ints = {static_cast<int64_t>(a.getValue())};
  else if (auto a = dyn_cast<CoordinateModeAttr>(attr))
    e.ints = {static_cast<int64_t>(a.getValue())};
  else if (auto a = dyn_cast<NearestModeAttr>(attr))
    e.ints = {static_cast<int64_t>(a.getValue())};
  else if (auto t = dyn_cast<TypeAttr>(attr)) { // cast's `to`: a DType
    auto dtype = toDType(UnknownLoc::get(attr.getContext()), t.getValue());
    if (failed(dtype))
      return std::nullopt;
    e.ints = {static_cast<int64_t>(*dtype)};
  } else
    return std::nullopt;
  return e;
}

} // namespace

LogicalResult mlir::tl::serializeArtifact(func::FuncOp func,
                                          const ArtifactOptions &options,
                                          std::vector<uint8_t> &out) {
  flatbuffers::FlatBufferBuilder fbb(1 << 20);
  llvm::DenseMap<Value, uint32_t> ids;
  std::vector<flatbuffers::Offset<fb::Value>> values;
  std::vector<flatbuffers::Offset<fb::Weight>> weights;
  std::vector<flatbuffers::Offset<fb::Kernel>> kernels;
  std::vector<uint8_t> weightData;

  auto addValue = [&](Value v, StringRef name) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return emitError(v.getLoc())
             << "value of type " << v.getType() << " is not a ranked tensor";
    auto dtype = toDType(v.getLoc(), type.getElementType());
    if (failed(dtype))
      return failure();
    std::vector<int64_t> shape;
    for (int64_t d : type.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    ids[v] = values.size();
    std::optional<fb::Range> range;
    if (auto r = calibratedRange(v))
      range = fb::Range(r->first, r->second);
    values.push_back(fb::CreateValueDirect(fbb, name.str().c_str(), *dtype,
                                           &shape, range ? &*range : nullptr));
    return success();
  };
  std::vector<flatbuffers::Offset<fb::Port>> inputs, outputs;
  for (BlockArgument arg : func.getArguments()) {
    auto name =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttr);
    std::string n =
        name ? name.str() : "arg" + std::to_string(arg.getArgNumber());
    if (failed(addValue(arg, n)))
      return failure();
    inputs.push_back(fb::CreatePortDirect(fbb, n.c_str(), ids[arg]));
  }

  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto name = func.getResultAttrOfType<StringAttr>(i, kNameAttr);
        std::string n = name ? name.str() : "output" + std::to_string(i);
        outputs.push_back(fb::CreatePortDirect(fbb, n.c_str(), ids.lookup(v)));
      }
      continue;
    }
    if (op.getDialect() == nullptr ||
        op.getDialect()->getNamespace() != TLDialect::getDialectNamespace())
      return op.emitOpError("is not a tl op; only tl ops can be compiled");
    // A kernel is named after its source node; fused kernels after the first.
    std::string name = locationName(op.getLoc());
    for (Value r : op.getResults())
      if (failed(addValue(r, name)))
        return failure();

    if (auto constant = dyn_cast<ConstantOp>(op)) {
      auto bytes = constantBytes(constant);
      if (failed(bytes))
        return failure();
      weightData.resize((weightData.size() + tlc::kWeightAlignment - 1) /
                        tlc::kWeightAlignment * tlc::kWeightAlignment);
      flatbuffers::Offset<fb::Quantization> quantization;
      if (auto q = dyn_cast<quant::UniformQuantizedPerAxisType>(
              constant.getType().getElementType())) {
        std::vector<float> scales(q.getScales().begin(), q.getScales().end());
        quantization = fb::CreateQuantizationDirect(fbb, &scales, nullptr,
                                                    q.getQuantizedDimension());
      }
      weights.push_back(fb::CreateWeight(
          fbb, ids[constant.getResult()], weightData.size(), bytes->size(),
          constant.getTrainable(), quantization));
      weightData.insert(weightData.end(), bytes->begin(), bytes->end());
      continue;
    }

    // Run-time parameters (TL_RuntimeParams) are the trailing operands;
    // each becomes an attribute read from its graph input.
    auto paramNames = op.getAttrOfType<ArrayAttr>("param_attrs");
    size_t numParams = paramNames ? paramNames.size() : 0;
    std::vector<flatbuffers::Offset<fb::Attribute>> encoded;
    llvm::StringSet<> fromInputs;
    for (auto [i, name] : llvm::enumerate(paramNames ? paramNames.getValue()
                                                     : ArrayRef<Attribute>())) {
      Value param = op.getOperand(op.getNumOperands() - numParams + i);
      StringRef attr = cast<StringAttr>(name).getValue();
      auto arg = dyn_cast<BlockArgument>(param);
      if (!arg || arg.getOwner() != &func.getBody().front())
        return op.emitOpError("reads '")
               << attr
               << "' from a value computed in the graph; only graph inputs "
                  "can be run-time parameters";
      fromInputs.insert(attr);
      encoded.push_back(fb::CreateAttributeDirect(
          fbb, attr.str().c_str(), nullptr, nullptr, ids.lookup(param)));
    }

    // Operands in ODS order; absent optional operands become -1.
    std::vector<int32_t> in;
    if (auto segments =
            op.getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes")) {
      unsigned next = 0;
      for (int32_t size : segments.asArrayRef()) {
        if (size == 0)
          in.push_back(-1);
        for (int32_t i = 0; i < size; ++i)
          in.push_back(ids.lookup(op.getOperand(next++)));
      }
    } else {
      for (Value v : op.getOperands().drop_back(numParams))
        in.push_back(ids.lookup(v));
    }
    std::vector<uint32_t> outIds;
    for (Value r : op.getResults())
      outIds.push_back(ids[r]);

    NamedAttrList attrs(op.getAttrDictionary());
    op.getName().populateDefaultAttrs(attrs);
    for (NamedAttribute attr : attrs) {
      // The calibrated range belongs to the value (Value.range).
      if (attr.getName() == "operandSegmentSizes" ||
          attr.getName() == kRangeAttr || attr.getName() == "param_attrs" ||
          fromInputs.contains(attr.getName()))
        continue;
      auto e = encodeAttr(attr.getValue());
      if (!e)
        return op.emitOpError("attribute '")
               << attr.getName() << "' cannot be stored in an artifact";
      encoded.push_back(
          fb::CreateAttributeDirect(fbb, attr.getName().str().c_str(),
                                    e->ints.empty() ? nullptr : &e->ints,
                                    e->floats.empty() ? nullptr : &e->floats));
    }
    StringRef mnemonic = op.getName().stripDialect();
    kernels.push_back(fb::CreateKernel(
        fbb, fbb.CreateString(mnemonic.str()), fbb.CreateString(name),
        fbb.CreateVector(in), fbb.CreateVector(outIds),
        fbb.CreateVectorOfSortedTables(&encoded)));
  }

  std::vector<flatbuffers::Offset<fb::KeyValue>> metadata;
  for (const auto &[k, v] : options.metadata)
    metadata.push_back(fb::CreateKeyValueDirect(fbb, k.c_str(), v.c_str()));
  std::vector<flatbuffers::Offset<flatbuffers::String>> passes;
  for (const std::string &p : options.passes)
    passes.push_back(fbb.CreateString(p));
  auto provenance = fb::CreateProvenance(
      fbb, fbb.CreateString(options.source),
      fbb.CreateString(options.sourceSha256),
      fbb.CreateString(tlc::kCompilerVersion), fbb.CreateVector(passes));

  // The precision tl-reduce-precision chose for the frozen backbone.
  fb::Precision precision = fb::Precision::F32;
  if (auto p = func->getAttrOfType<StringAttr>(kPrecisionAttr)) {
    if (p.getValue() == "bf16")
      precision = fb::Precision::BF16;
    else if (p.getValue() == "int8")
      precision = fb::Precision::Int8;
    else if (p.getValue() != "f32")
      return func.emitError("unknown ") << kPrecisionAttr << " " << p;
  }
  std::vector<flatbuffers::Offset<fb::Target>> targets = {
      fb::CreateTargetDirect(fbb, "cpu", "")};
  fbb.ForceVectorAlignment(weightData.size(), 1, tlc::kWeightAlignment);
  auto data = fbb.CreateVector(weightData);
  auto model = fb::CreateModel(
      fbb, tlc::kArtifactSchemaVersion, fbb.CreateVector(values),
      fbb.CreateVector(inputs), fbb.CreateVector(outputs),
      fbb.CreateVector(weights), fbb.CreateVector(kernels),
      fbb.CreateVectorOfSortedTables(&metadata), provenance, data, precision,
      fbb.CreateVector(targets));
  fb::FinishModelBuffer(fbb, model);
  out.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return checkWithRuntime(func, out);
}

LogicalResult mlir::tl::checkWithRuntime(func::FuncOp func,
                                         const std::vector<uint8_t> &bytes) {
  // The runtime's own verifier, and with static inputs its shape functions:
  // the compiler and the runtime share one set of limits by running the
  // same code, so the compiler never writes what the runtime would refuse.
  auto refuse = [&](std::string why) {
    // The verifier speaks of a file it was handed; here it is our own.
    for (const char *prefix : {"artifact: ", "corrupt artifact: "})
      if (llvm::StringRef(why).starts_with(prefix))
        why.erase(0, std::strlen(prefix));
    return emitError(func.getLoc())
           << "the compiled network is beyond what the runtime accepts: "
           << why;
  };
  auto artifact =
      tlc::runtime::Artifact::copyOf(bytes.data(), bytes.size(), "artifact");
  if (!artifact)
    return refuse(artifact.status().message());
  // Run-time attributes are checked when a plan reads their inputs.
  const std::vector<bool> &parameters = (*artifact)->parameterInputs();
  if (std::find(parameters.begin(), parameters.end(), true) != parameters.end())
    return success();
  std::vector<tlc::runtime::Shape> shapes;
  for (Type t : func.getArgumentTypes()) {
    auto type = dyn_cast<RankedTensorType>(t);
    if (!type || !type.hasStaticShape())
      return success(); // checked again for each input shape at run time
    shapes.emplace_back(type.getShape().begin(), type.getShape().end());
  }
  if (auto shaped = tlc::runtime::shapeGraph(**artifact, shapes, {}); !shaped)
    return refuse(shaped.status().message());
  return success();
}
