import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// Problem and measure requests: read from text (a spec's keys) or set as values (a command line's
/// flags), one validator; errors name canonical keys and render as the command line's flags.
@Suite struct ProblemRequestTests {
    /// The refusal of `values`, or nil when they give a spec.
    func refusal(_ values: [(String, String)]) -> RequestError? {
        do {
            _ = try ProblemRequest(values: values.map { (key: $0.0, value: $0.1) }).spec(instanceSeed: 1)
            return nil
        } catch {
            return error
        }
    }

    @Test func keysAndFlagsAreOneTable() {
        #expect(RequestKeys.option(["K"]) == "-K/--hidden")
        #expect(RequestKeys.option(["alpha", "patterns"]) == "--alpha/--patterns")
        #expect(RequestKeys.flag("N") == "-N" && RequestKeys.flag("test_fraction") == "--test-fraction")
        for keys in [["K"], ["N", "alpha"], ["test_patterns"], ["instance_seed"]] {
            #expect(RequestKeys.keys(in: RequestKeys.option(keys)) == keys)
        }
    }

    @Test func textAndValuesGiveTheSameSpec() throws {
        let text = try ProblemRequest(values: [("model", "committee"), ("K", "5"), ("N", "105"), ("alpha", "0.4"),
                                               ("task", "teacher"), ("inputs", "gaussian"), ("margin", "0.5")])
        var values = ProblemRequest()
        values.model = .committee
        values.hidden = 5
        values.inputs = 105
        values.alpha = 0.4
        values.task = .teacher
        values.inputKind = .gaussian
        values.margin = 0.5
        #expect(text == values)
        #expect(try text.spec(instanceSeed: 3) == values.spec(instanceSeed: 3))
        #expect(try text.spec(instanceSeed: 3).patterns == 42)
    }

    @Test func errorsNameTheirKeys() {
        #expect(refusal([("N", "101"), ("alpha", "-1")])?.keys == ["alpha"])
        #expect(refusal([("N", "101"), ("alpha", "-1")])?.description
                == "--alpha: must be a finite number > 0 (got -1.0)")
        #expect(refusal([("N", "101")])?.keys == ["alpha", "patterns"])
        #expect(refusal([("N", "100"), ("alpha", "0.3")])?.keys == ["N"])
        #expect(refusal([("K", "3"), ("alpha", "0.3")])?.optionError
                == .invalidOption(option: "-K/--hidden",
                                  message: "a perceptron has K = 1 (use --model committee for K = 3)"))
        // The test fraction is checked once, by the request, whatever else is wrong later.
        #expect(refusal([("data", "/nonexistent.csv"), ("test_fraction", "1.5")])?.description
                == "--test-fraction: must be in [0, 1) (got 1.5)")
        #expect(refusal([("alpha", "0.3"), ("test_fraction", "0.5")])?.keys == ["test_fraction"])
    }

    @Test func unreadableValuesAreWordedAsTheCommandLineWordsThem() {
        #expect(refusal([("N", "x")])?.description == "The value 'x' is invalid for '-N <N>'")
        #expect(refusal([("K", "x")])?.description == "The value 'x' is invalid for '--hidden <hidden>'")
        #expect(refusal([("alpha", "")])?.description == "Missing value for '--alpha <alpha>'")
        #expect(refusal([("model", "foo")])?.description
                == "The value 'foo' is invalid for '--model <model>'. "
                + "Please provide one of 'perceptron' and 'committee'.")
        #expect(refusal([("task", "foo")])?.description
                == "The value 'foo' is invalid for '--task <task>'. "
                + "Please provide one of 'storage', 'teacher' or 'data'.")
        #expect(refusal([("bogus", "1")])?.keys == ["bogus"])
    }

    @Test func measureRequests() throws {
        let model = Model(kind: .perceptron, weights: .binary, architecture: .tree, hidden: 1, inputs: 101, margin: 0)
        let request = try MeasureRequest(values: [("local_energy", "0.01:0.03:0.01"), ("samples", "4")])
        #expect(request.localEnergy?.values == [0.01, 0.02, 0.03])
        #expect(try request.measures(for: model).count == 1)
        do {
            _ = try MeasureRequest(values: [("local_energy", "2")]).measures(for: model)
            Issue.record("a flip probability of 2 was accepted")
        } catch {
            #expect(error.description == "--local-energy: flip probabilities must be in [0, 1] (got 2.0)")
        }
        #expect(throws: RequestError.self) { try MeasureRequest(values: [("hessian", "true")]) }
        #expect(throws: RequestError.self) { try MeasureRequest(values: [("bogus", "1")]) }
    }
}
