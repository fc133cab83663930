// RTNeural's compile-time API (ModelT), one sample per call, f32: the inference workloads that
// `benches/inference.rs` times for `network`. The backend is chosen when compiling, as RTNeural
// does it: -DRTNEURAL_USE_XSIMD=1, -DRTNEURAL_USE_EIGEN=1, or neither (STL).
//
// Each workload: weights uniform in [-1, 1) from a fixed seed; a ring of distinct inputs (so no
// output can be folded at compile time); every call's output read at a varying index and summed
// into a sink that is printed. A repetition times `iters` calls (calibrated to about
// BENCH_TARGET_MS); the figure is the best of BENCH_REPS repetitions, in ns per call.
//
// Output: one line per workload, `name<TAB>ns_per_call<TAB>median_ns<TAB>sink`.

#include <RTNeural/RTNeural.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace
{
using Clock = std::chrono::steady_clock;

std::mt19937 rng(12345);
float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

std::vector<std::vector<float>> matrix(size_t rows, size_t cols, float scale)
{
    std::vector<std::vector<float>> m(rows, std::vector<float>(cols));
    for(auto& r : m)
        for(auto& v : r)
            v = uniform(-scale, scale);
    return m;
}

std::vector<float> vec(size_t n, float scale)
{
    std::vector<float> v(n);
    for(auto& x : v)
        x = uniform(-scale, scale);
    return v;
}

// Weights scaled like a trained network's (about 1/sqrt(fan-in)) so activations stay in their
// working range rather than saturating.
template <typename D>
void init_dense(D& d)
{
    const float s = 1.0f / std::sqrt((float)D::in_size);
    auto w = matrix(D::out_size, D::in_size, s);
    d.setWeights(w);
    auto b = vec(D::out_size, s);
    d.setBias(b.data());
}

template <typename G>
void init_gru(G& g)
{
    const float s = 1.0f / std::sqrt((float)G::out_size);
    g.setWVals(matrix(G::in_size, 3 * G::out_size, s));
    g.setUVals(matrix(G::out_size, 3 * G::out_size, s));
    g.setBVals(matrix(2, 3 * G::out_size, s));
}

template <typename L>
void init_lstm(L& l)
{
    const float s = 1.0f / std::sqrt((float)L::out_size);
    l.setWVals(matrix(L::in_size, 4 * L::out_size, s));
    l.setUVals(matrix(L::out_size, 4 * L::out_size, s));
    l.setBVals(vec(4 * L::out_size, s));
}

int env_int(const char* name, int fallback)
{
    const char* v = std::getenv(name);
    return v ? std::atoi(v) : fallback;
}

// Times `model.forward` over a ring of inputs; prints best and median ns per call.
template <typename Model>
void run(const char* name, Model& model, float in_lo, float in_hi)
{
    constexpr int in = Model::input_size;
    constexpr int out = Model::output_size;
    // Each input row padded to 64 bytes, 64-byte aligned: RTNeural's xsimd backend loads aligned.
    constexpr int stride = (in + 15) / 16 * 16;
    const int rows = std::max(4, std::min(1024, 32768 / stride)); // at most 128 KiB of inputs
    float* inputs = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * stride * rows));
    for(int r = 0; r < rows; ++r)
        for(int j = 0; j < stride; ++j)
            inputs[r * stride + j] = j < in ? uniform(in_lo, in_hi) : 0.0f;

    const int reps = env_int("BENCH_REPS", 11);
    const double target_ns = 1e6 * env_int("BENCH_TARGET_MS", 10);
    float sink = 0.0f;
    model.reset();

    auto time_iters = [&](long iters) {
        int r = 0;
        const auto t0 = Clock::now();
        for(long i = 0; i < iters; ++i)
        {
            model.forward(inputs + r * stride);
            sink += model.getOutputs()[i % out];
            r = r + 1 == rows ? 0 : r + 1;
        }
        return (double)std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    };

    // Calibrate: grow until one repetition takes at least a tenth of the target.
    long iters = 64;
    double t = time_iters(iters);
    while(t < target_ns / 10)
    {
        iters *= 4;
        t = time_iters(iters);
    }
    iters = std::max(64L, (long)(iters * target_ns / t));

    std::vector<double> ns(reps);
    for(auto& x : ns)
        x = time_iters(iters) / (double)iters;
    std::sort(ns.begin(), ns.end());
    std::printf("%s\t%.2f\t%.2f\t%g\n", name, ns[0], ns[reps / 2], (double)sink);
    std::fflush(stdout);
    std::free(inputs);
}

using namespace RTNeural;

template <int H>
void gru()
{
    static ModelT<float, 1, 1, GRULayerT<float, 1, H>, DenseT<float, H, 1>> m;
    init_gru(m.template get<0>());
    init_dense(m.template get<1>());
    char name[32];
    std::snprintf(name, sizeof name, "gru(1->%d),dense(%d->1)", H, H);
    run(name, m, -1.0f, 1.0f);
}

template <int H>
void lstm()
{
    static ModelT<float, 1, 1, LSTMLayerT<float, 1, H>, DenseT<float, H, 1>> m;
    init_lstm(m.template get<0>());
    init_dense(m.template get<1>());
    char name[32];
    std::snprintf(name, sizeof name, "lstm(1->%d),dense(%d->1)", H, H);
    run(name, m, -1.0f, 1.0f);
}
} // namespace

int main()
{
    // Models are static: large ones (784-128-10) would not fit comfortably on the stack, and a
    // model's state living in memory is how an audio plugin holds it.
    {
        static ModelT<float, 2, 1, DenseT<float, 2, 8>, TanhActivationT<float, 8>,
            DenseT<float, 8, 1>, SigmoidActivationT<float, 1>>
            m;
        init_dense(m.get<0>());
        init_dense(m.get<2>());
        run("dense(2->8,tanh),dense(8->1,sigmoid)", m, 0.0f, 1.0f);
    }
    {
        static ModelT<float, 784, 10, DenseT<float, 784, 128>, ReLuActivationT<float, 128>,
            DenseT<float, 128, 10>, SoftmaxActivationT<float, 10>>
            m;
        init_dense(m.get<0>());
        init_dense(m.get<2>());
        run("dense(784->128,relu),dense(128->10,softmax)", m, 0.0f, 1.0f);
    }
    {
        static ModelT<float, 8, 8, DenseT<float, 8, 8>> m;
        init_dense(m.get<0>());
        run("dense(8->8,identity)", m, -1.0f, 1.0f);
    }
    {
        static ModelT<float, 16, 16, DenseT<float, 16, 16>, TanhActivationT<float, 16>> m;
        init_dense(m.get<0>());
        run("dense(16->16,tanh)", m, -1.0f, 1.0f);
    }
    {
        static ModelT<float, 64, 64, DenseT<float, 64, 64>, ReLuActivationT<float, 64>> m;
        init_dense(m.get<0>());
        run("dense(64->64,relu)", m, -1.0f, 1.0f);
    }
    gru<8>();
    gru<16>();
    gru<32>();
    lstm<16>();
    lstm<40>();
    return 0;
}
