import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectParity } from '../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../test/tiny-graph.js';
import { sourcePackageDir } from '../repository/source-package.js';
import { loadTfjsGraphModel } from '../tfjs/load-graph-model.js';
import { convertGraphModel, onnxTensorName, parseTensorRef } from './convert-graph-model.js';
import { ConversionError } from './errors.js';

describe('convertGraphModel', () => {
  it('Should fail on an unsupported op with a message naming the node and the op', () => {
    const graph = new TinyGraph();
    graph.input('x', [2, 2]);
    graph.node('Cumsum', 'running/total', ['x']);
    const convert = () => convertGraphModel(graph.toGraphModel(), { outputs: ['running/total'] });
    expect(convert).toThrow(ConversionError);
    expect(convert).toThrow(/node "running\/total" uses op "Cumsum", which the converter does not support/);
  });

  it('Should only convert what the requested outputs need, so an unsupported dead branch is ignored', async () => {
    const graph = new TinyGraph();
    graph.input('x', [3]);
    graph.node('Relu', 'used', ['x']);
    graph.node('Cumsum', 'unused', ['x']);
    const result = await expectParity(graph, { outputs: ['used'], feeds: { x: [-1, 0, 2] } });
    expect(result.model.graph.nodes.map((node) => node.opType)).toEqual(['Relu']);
  });

  it('Should name a missing input tensor', () => {
    const graph = new TinyGraph();
    graph.input('x', [2]);
    graph.node('Add', 'y', ['x', 'ghost']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /a node reads "ghost", which is not in the graph/,
    );
  });

  it('Should detect cycles instead of looping', () => {
    const graph = new TinyGraph();
    graph.input('x', [2]);
    graph.node('Add', 'a', ['x', 'b']);
    graph.node('Relu', 'b', ['a']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['b'] })).toThrow(/is part of a cycle/);
  });

  it('Should refuse an output that is not a node of the graph', () => {
    const graph = new TinyGraph();
    graph.input('x', [2]);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['nope'] })).toThrow(
      /requested output "nope" is not a node/,
    );
  });

  it('Should default to the sink nodes when the model has no signature', () => {
    const graph = new TinyGraph();
    graph.input('x', [2]);
    graph.node('Relu', 'r', ['x']);
    graph.node('Neg', 'n', ['r']);
    expect(convertGraphModel(graph.toGraphModel()).outputs.map((output) => output.name)).toEqual(['n']);
  });

  it('Should expose a constant and a pass-through tensor as outputs under their own names', async () => {
    const graph = new TinyGraph();
    graph.input('x', [2]);
    graph.constant('c', [4, 5], [2]);
    graph.node('Identity', 'copy', ['c']);
    graph.node('Identity', 'same', ['x']);
    await expectParity(graph, { outputs: ['copy', 'same'], feeds: { x: [1, 2] } });
  });

  it('Should keep a chain of ops with control inputs working (control inputs are ignored)', async () => {
    const graph = new TinyGraph();
    graph.input('x', [4]);
    graph.node('Relu', 'r', ['x']);
    graph.node('Sigmoid', 's', ['r', '^x']);
    await expectParity(graph, { outputs: ['s'], feeds: { x: randomValues(4, 3) } });
  });

  it('Should produce identical bytes for the same model (deterministic build)', async () => {
    const json = path.join(sourcePackageDir('@vladmandic/human'), 'models/blazeface.json');
    const first = convertGraphModel(await loadTfjsGraphModel(json));
    const second = convertGraphModel(await loadTfjsGraphModel(json));
    expect(Buffer.from(first.bytes).equals(Buffer.from(second.bytes))).toBe(true);
  });

  it('Should map TensorFlow tensor references to ONNX names', () => {
    expect(parseTensorRef('a/b:2')).toEqual({ node: 'a/b', index: 2, control: false });
    expect(parseTensorRef('^a/b')).toEqual({ node: 'a/b', index: 0, control: true });
    expect(onnxTensorName('top', 0)).toBe('top');
    expect(onnxTensorName('top', 1)).toBe('top:1');
  });

  it('Should refuse a Placeholder without a dtype', () => {
    const graph = new TinyGraph();
    graph.node('Placeholder', 'x', [], { shape: attr.shape([2]) });
    graph.node('Relu', 'y', ['x']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /node "x" \(Placeholder\): attribute "dtype" is missing/,
    );
  });
});
