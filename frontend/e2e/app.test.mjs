// End-to-end: the built app through server.mjs against the real services, in Debian's Chromium.
// Run: npm run e2e (after npm run build); scripts/test frontend does both.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ARTIFACTS, FRONTEND, ROOT, SHARED, audit, consoleErrors, ensureService, fakeCameraFile, freePort, launchBrowser, paintedPixels, screenshot, startFrontend, stopAll,
} from './stack.mjs';

const TA_CHI = path.join(SHARED, 'data', 'videos', 'ta_chi.mp4');
// weightlifting, also 300 frames: the model labels parts of it, so the review page has segments
// (tai chi, none of the classes, may rightly be left unlabelled)
const CLEAN_AND_JERK = path.join(SHARED, 'data', 'videos', 'clean_and_jerk.mp4');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'har-e2e-data-'));

const svc = {};
/** Layout (390 and 1366 px wide) and accessibility problems of every page, asserted at the end. */
const findings = [];
let front;
let browser;

describe('frontend end to end', { concurrency: false, timeout: 15 * 60_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    // Free ports of their own (so another stack on 8001-8003 is never mistaken for this tree's), or
    // the services already answering there with HAR_E2E_REUSE=1.
    const port = async () => (process.env.HAR_E2E_REUSE === '1' ? undefined : await freePort());
    // The classifier first: the pose services label actions through it.
    svc.classifier = await ensureService('classifier', { dataDir, port: await port() });
    const classifierUrl = svc.classifier.url ?? 'http://127.0.0.1:8001';
    svc['pose-single'] = await ensureService('pose-single', { dataDir, port: await port(), extraEnv: { HAR_POSE_SINGLE_CLASSIFIER_URL: classifierUrl } });
    // several people: only where its environment (and its exported YOLO model) is there
    svc['pose-multi'] = await ensureService('pose-multi', { dataDir, port: await port(), extraEnv: { HAR_POSE_MULTI_CLASSIFIER_URL: classifierUrl } });
    for (const [k, v] of Object.entries(svc)) if (v.reason) console.error(`[e2e] ${k} unavailable: ${v.reason}`);
    front = await startFrontend(Object.fromEntries(Object.entries(svc).filter(([, v]) => v.url).map(([k, v]) => [k, v.url])));
    browser = await launchBrowser({ fakeCamera: fs.existsSync(TA_CHI) ? fakeCameraFile(TA_CHI) : undefined });
    console.error(`[e2e] stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await browser?.close();
    front?.server.close();
    stopAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const needPose = (t) => {
    if (!svc['pose-single']?.url) {
      t.skip(`pose-single service unavailable: ${svc['pose-single']?.reason}`);
      return false;
    }
    if (!fs.existsSync(TA_CHI)) {
      t.skip(`${TA_CHI} not present`);
      return false;
    }
    return true;
  };

  it('upload ta_chi.mp4: progress, then skeletons, labels, timeline and the JSON download', async (t) => {
    if (!needPose(t)) return;
    const page = await browser.context.newPage();
    const errors = consoleErrors(page);
    await page.goto(front.base + '/');
    await page.getByRole('heading', { name: 'Upload a video' }).waitFor();
    // the limits and the model's classes are there before anything is sent
    await page.getByTestId('upload-limits').getByText(/^Up to \d/).waitFor({ timeout: 30_000 });
    if (svc.classifier?.url) await page.getByTestId('model-classes').locator('li').first().waitFor({ timeout: 30_000 });
    await screenshot(page, '01-upload');
    findings.push(...(await audit(page, 'upload')));
    await page.getByTestId('file-input').setInputFiles(TA_CHI);
    await page.getByLabel(/Single person/).check();
    // the drop zone says which file was chosen
    await page.getByRole('button', { name: /Chosen video: ta_chi\.mp4/ }).waitFor();
    findings.push(...(await audit(page, 'upload-chosen', { viewports: [{ width: 390, height: 844 }] })));
    await page.getByRole('button', { name: 'Upload and analyse' }).click();
    await page.waitForTimeout(200);
    assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY', 'the keyboard focus stays on the page after Upload');
    // upload progress, then processing progress
    await page.getByRole('progressbar', { name: /Queued|Processing|Done/ }).waitFor({ timeout: 60_000 });
    await screenshot(page, '02-processing');
    // the page opens the result by itself when the job is done
    await page.waitForURL(/\/analysis\/\?service=pose-single&id=/, { timeout: 240_000 });
    const resultUrl = page.url();
    await page.getByTestId('timeline').waitFor({ timeout: 60_000 });
    const overlay = '[data-testid="stage"] canvas.overlay';
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.frameIndex !== undefined, overlay);
    // play a little, then pause and check that skeleton pixels are on the canvas
    await page.$eval('[data-testid="video"]', (v) => {
      v.muted = true;
      return v.play();
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="video"]').currentTime > 1.0, null, { timeout: 30_000 });
    await page.$eval('[data-testid="video"]', (v) => v.pause());
    await page.waitForTimeout(200);
    const painted = await paintedPixels(page, overlay);
    assert.ok(painted > 500, `skeleton pixels on the overlay: ${painted}`);
    const frameIndex = Number(await page.$eval(overlay, (c) => c.dataset.frameIndex));
    assert.ok(frameIndex > 10, `the overlay follows the video (frame ${frameIndex})`);
    // the "Now" panel lists the person; with the classifier running, with a label (on the canvas too)
    await page.getByTestId('now-people').getByText('person 0').waitFor();
    if (svc.classifier?.url) {
      // a label with its confidence, or a state (warming up, uncertain) that shows no percentage
      const chip = page.getByTestId('now-people').locator('[data-testid="person-label"], [data-testid="person-state"]').first();
      const text = await chip.textContent();
      if ((await chip.getAttribute('data-testid')) === 'person-label') assert.match(text, /\d+%/);
      else assert.doesNotMatch(text, /%/);
      // a video job labels each frame from the windows around it (centred labels): no window-filling
      // gap at the start; the uncertain stretches of tai chi are hatched bars with their reason
      await page.getByTestId('timeline').locator('.tl-gap[data-reason]').first().waitFor();
      const filling = await page.getByTestId('timeline').locator('.tl-gap[data-reason="window_filling"]').count();
      assert.equal(filling, 0, 'no window filling in a job with centred labels');
    }
    assert.ok((await page.getByTestId('timeline').getByTestId('presence').count()) >= 1, 'a presence band per person');
    assert.ok((await page.getByTestId('timeline').locator('.tl-row').count()) >= 1, 'a timeline row per person');
    if (svc.classifier?.url) {
      const bars = page.getByTestId('timeline').locator('.tl-seg');
      // tai chi is none of the classes: the service may label it or leave it unlabelled, and then the
      // timeline says why (a hatched span with a reason other than the window filling)
      const serviceBars = await bars.count();
      if (serviceBars === 0) await page.getByTestId('timeline').locator('.tl-gap:not([data-reason="window_filling"])').first().waitFor();
      // at a minimum confidence of 0 every frame takes its most likely class: bars re-cut in the browser
      await page.getByTestId('min-confidence').fill('0');
      await page.getByTestId('min-confidence-value').getByText(/^0%: re-cut here/).waitFor();
      assert.ok((await bars.count()) >= 1, 'timeline bars at 0 %');
      // a click inside a bar seeks to the time clicked (70 % along the bar), not to the bar's start
      const bar = bars.last();
      const [start, end] = [Number(await bar.getAttribute('data-start')), Number(await bar.getAttribute('data-end'))];
      const box = await bar.boundingBox();
      await bar.click({ position: { x: box.width * 0.7, y: box.height / 2 } });
      await page.waitForTimeout(300);
      const clicked = await page.$eval('[data-testid="video"]', (v) => v.currentTime * 1000);
      const wanted = start + 0.7 * (end - start);
      assert.ok(Math.abs(clicked - wanted) < Math.max(300, 0.05 * (end - start)), `seeked to ${clicked} ms, clicked at about ${wanted} ms (bar ${start}-${end})`);
      // the person's three most likely classes, with their probabilities, in "Now"
      const top = page.getByTestId('now-people').getByTestId('top-k');
      await top.first().waitFor({ timeout: 10_000 });
      assert.equal(await top.first().locator('li').count(), 3, 'three classes');
      assert.match(await top.first().textContent(), /\d+%/);
      // a row of the segment table is reached with the keyboard and played with Enter
      const row = page.getByTestId('segment-table').locator('tbody tr').first();
      await row.focus();
      await page.keyboard.press('Enter');
      await page.waitForTimeout(300);
      const rowStart = Number(await row.getAttribute('data-start'));
      const at = await page.$eval('[data-testid="video"]', (v) => v.currentTime * 1000);
      assert.ok(Math.abs(at - rowStart) < 100, `Enter on a row plays from its start (${at} ms, row ${rowStart} ms)`);
      // a higher minimum re-cuts to fewer or as many segments; back to the service's own
      const atZero = await bars.count();
      await page.getByTestId('min-confidence').fill('95');
      await page.getByTestId('min-confidence-value').getByText(/^95%: re-cut here/).waitFor();
      assert.ok((await bars.count()) <= atZero, 'fewer or as many segments at 95 %');
      await page.getByRole('button', { name: "Back to the service's segments" }).click();
      assert.equal(await bars.count(), serviceBars);
    }
    await screenshot(page, '03-result');
    findings.push(...(await audit(page, 'analysis')));
    // the JSON download is the VideoAnalysis of the clip
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Keypoints JSON' }).click()]);
    const file = path.join(ARTIFACTS, 'e2e', 'downloaded.analysis.json');
    await download.saveAs(file);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(json.schema_version, '1.0');
    assert.equal(json.source.filename, 'ta_chi.mp4');
    assert.ok(json.frames.length >= 250, `frames in the download: ${json.frames.length}`);
    assert.equal(download.suggestedFilename(), 'ta_chi.analysis.json');
    // the analysis is listed on the upload page
    await page.goto(front.base + '/');
    await page.getByTestId('job-table').getByText('ta_chi.mp4').first().waitFor();
    await screenshot(page, '04-history');
    findings.push(...(await audit(page, 'history')));
    // reopen it from the list, then delete it
    const jobId = new URL(resultUrl).searchParams.get('id');
    const mine = page.locator(`[data-testid="job-table"] tr[data-job-id="${jobId}"]`);
    await mine.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/\/analysis\//);
    await page.getByTestId('timeline').waitFor({ timeout: 30_000 });
    // reopened later, the player shows the service's annotated MP4
    assert.match(await page.$eval('[data-testid="video"]', (v) => v.src), /\/api\/pose-single\/v1\/jobs\/[^/]+\/video$/);
    await page.goto(front.base + '/');
    page.once('dialog', (d) => d.accept());
    await mine.getByRole('button', { name: /^Delete/ }).click();
    await mine.waitFor({ state: 'detached' });
    assert.equal((await fetch(`${front.base}/api/pose-single/v1/jobs/${jobId}`)).status, 404, 'the job is gone on the service');
    assert.deepEqual(errors, [], 'no console errors on a normal visit');
    await page.close();
  });

  let watchedJob = null;

  it('queue: place in line, Cancel, and a running job watched until its result fills in', async (t) => {
    if (!needPose(t)) return;
    const post = async (video = TA_CHI) => {
      const f = new FormData();
      f.append('file', new Blob([fs.readFileSync(video)], { type: 'video/mp4' }), path.basename(video));
      const r = await fetch(`${front.base}/api/pose-single/v1/videos`, { method: 'POST', body: f });
      assert.equal(r.status, 202);
      return (await r.json()).id;
    };
    // three at once on a one-worker service: the first runs, the others wait in line
    const first = await post();
    const running = await post(CLEAN_AND_JERK);
    const queued = await post();
    const page = await browser.context.newPage();
    const errors = consoleErrors(page);
    await page.goto(front.base + '/');
    const queuedRow = page.locator(`[data-testid="job-table"] tr[data-job-id="${queued}"]`);
    const runningRow = page.locator(`[data-testid="job-table"] tr[data-job-id="${running}"]`);
    await queuedRow.getByTestId('queue-text').getByText(/^(1st|2nd) in line/).waitFor({ timeout: 30_000 });
    // the time left, once two looks at the running job have measured the speed
    await page.getByTestId('queue-text').getByText(/done in (about|a few)|left$/).first().waitFor({ timeout: 30_000 });
    await screenshot(page, '10-queue');
    findings.push(...(await audit(page, 'history-queue')));
    // Cancel the queued one: kept, as cancelled, on the service too
    await queuedRow.getByRole('button', { name: /^Cancel/ }).click();
    await queuedRow.locator('.status.cancelled').waitFor({ timeout: 15_000 });
    assert.equal((await (await fetch(`${front.base}/api/pose-single/v1/jobs/${queued}`)).json()).status, 'cancelled');
    assert.notEqual((await (await fetch(`${front.base}/api/pose-single/v1/jobs/${first}`)).json()).status, 'cancelled');
    // its page says so in a neutral panel, not as an error
    const endedPage = await browser.context.newPage();
    await endedPage.goto(`${front.base}/analysis/?service=pose-single&id=${queued}`);
    await endedPage.getByTestId('job-ended').getByText('The analysis was cancelled.').waitFor({ timeout: 15_000 });
    assert.equal(await endedPage.getByText('Could not load the analysis.').count(), 0);
    await endedPage.close();
    // Watch the next one: its place or progress, then its result fills in on the same page
    await runningRow.getByRole('button', { name: 'Watch' }).click();
    await page.waitForURL(new RegExp(`/analysis/\\?service=pose-single&id=${running}`));
    const waiting = page.getByTestId('job-waiting');
    await page.locator('[data-testid="job-waiting"], [data-testid="timeline"]').first().waitFor({ timeout: 60_000 });
    if (await waiting.isVisible().catch(() => false)) {
      assert.match(await waiting.textContent(), /of 300 frames analysed( · .*)?\. The result opens here/);
      await screenshot(page, '11-analysis-running');
      findings.push(...(await audit(page, 'analysis-running')));
    }
    await page.getByTestId('timeline').waitFor({ timeout: 240_000 });
    assert.equal(await waiting.count(), 0);
    assert.deepEqual(errors, [], 'no console errors');
    watchedJob = running;
    await page.close();
  });

  it('review: a card per segment with a still, filters, play from the moment; corrections import with har dataset import', async (t) => {
    if (!needPose(t)) return;
    if (!watchedJob) return t.skip('no analysis from the queue test');
    const result = await (await fetch(`${front.base}/api/pose-single/v1/jobs/${watchedJob}/result`)).json();
    const page = await browser.context.newPage();
    const errors = consoleErrors(page);
    await page.goto(`${front.base}/review/?service=pose-single&id=${watchedJob}`);
    await page.getByRole('heading', { name: 'Review: clean_and_jerk.mp4' }).waitFor({ timeout: 30_000 });
    if (!result.segments.length) {
      await page.getByText(/No action segments/).waitFor();
      assert.ok(!svc.classifier?.url, 'the classifier is running, yet the clip got no segment');
      return t.skip('no segments without the classifier');
    }
    const cards = page.getByTestId('review-card');
    await cards.first().waitFor();
    assert.equal(await cards.count(), result.segments.length, 'one card per segment');
    // a still from the video at the segment's time, drawn in the browser
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="review-thumb"]')].length > 0 && [...document.querySelectorAll('[data-testid="review-thumb"]')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 60_000 });
    assert.match(await page.getByTestId('review-thumb').first().getAttribute('src'), /^data:image\/jpeg;base64,/);
    assert.match(await page.getByTestId('review-thumb').first().getAttribute('alt'), /^Still of person 0 at/);
    // filters by action and person
    const first = result.segments[0];
    await page.getByTestId('filter-label').selectOption(first.label);
    const same = result.segments.filter((s) => s.label === first.label).length;
    assert.equal(await cards.count(), same);
    assert.equal(await page.getByTestId('shown-count').textContent(), `${same} of ${result.segments.length} shown`);
    await page.getByTestId('filter-person').selectOption('0');
    assert.equal(await cards.count(), same);
    await page.getByTestId('filter-label').selectOption('');
    // correct the longest segment's label to "other"
    const longest = result.segments.reduce((a, b) => (b.end_ms - b.start_ms > a.end_ms - a.start_ms ? b : a));
    const card = page.locator(`[data-testid="review-card"]`).nth(result.segments.indexOf(longest));
    await card.getByTestId('correct-label').selectOption('other');
    assert.equal(await page.getByTestId('corrected-count').textContent(), '1');
    await screenshot(page, '12-review');
    findings.push(...(await audit(page, 'review')));
    // export, and the importer reads it
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export corrections (ZIP)' }).click()]);
    assert.equal(download.suggestedFilename(), 'clean_and_jerk.corrections.zip');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'har-e2e-corrections-'));
    const zip = path.join(ARTIFACTS, 'e2e', 'clean_and_jerk.corrections.zip');
    await download.saveAs(zip);
    const python = path.join(ROOT, '.venvs', 'common', 'bin', 'python');
    const har = path.join(ROOT, '.venvs', 'common', 'bin', 'har');
    if (!fs.existsSync(har)) return t.skip(`no ${har} (scripts/setup common)`);
    execFileSync(python, ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, out]);
    assert.match(fs.readFileSync(path.join(out, 'labels.csv'), 'utf8'), /^file,label,subject\nclips\/clean_and_jerk_p0_\d+ms\.analysis\.json,other,clean_and_jerk_p0\n$/);
    execFileSync(har, ['dataset', 'import', 'analysis', path.join(out, 'labels.csv'), '--out', path.join(out, 'dataset')], { cwd: ROOT, stdio: 'pipe' });
    const info = JSON.parse(execFileSync(har, ['dataset', 'info', path.join(out, 'dataset'), '--json'], { cwd: ROOT }).toString());
    assert.match(JSON.stringify(info), /"other"/, `the imported data set has the corrected label: ${JSON.stringify(info).slice(0, 300)}`);
    fs.rmSync(out, { recursive: true, force: true });
    // jump to the moment in the player
    const play = card.getByRole('link', { name: /^Play from here: person 0/ });
    await play.click();
    await page.waitForURL(/\/analysis\/\?service=pose-single&id=.*&t=\d+/);
    const t0 = Number(new URL(page.url()).searchParams.get('t'));
    await page.waitForFunction((ms) => Math.abs(document.querySelector('[data-testid="video"]')?.currentTime * 1000 - ms) < 100, t0, { timeout: 30_000 });
    assert.deepEqual(errors, [], 'no console errors');
    await page.close();
  });

  it('try a sample: none bundled says where to find one; a bundled clip is analysed at a click', async (t) => {
    if (!needPose(t)) return;
    const page = await browser.context.newPage();
    await page.goto(front.base + '/');
    await page.getByTestId('sample-offer').getByText(/No sample clip comes with this installation/).waitFor({ timeout: 30_000 });
    // an installation that bundles a clip (public/samples.json lists it; here: written into the built app)
    const out = path.join(FRONTEND, 'out');
    const manifest = path.join(out, 'samples.json');
    const kept = fs.readFileSync(manifest);
    fs.mkdirSync(path.join(out, 'samples'), { recursive: true });
    fs.copyFileSync(TA_CHI, path.join(out, 'samples', 'tai_chi.mp4'));
    fs.writeFileSync(manifest, JSON.stringify({ samples: [{ file: 'samples/tai_chi.mp4', title: 'Tai chi', source: 'the test clip', licence: 'for this test only' }] }));
    try {
      await page.goto(front.base + '/');
      const offer = page.getByTestId('sample-offer');
      await offer.getByRole('button', { name: 'Analyse “Tai chi”' }).click();
      await page.waitForURL(/\/analysis\/\?service=pose-single&id=/, { timeout: 240_000 });
      await page.getByRole('heading', { name: 'tai_chi.mp4' }).waitFor({ timeout: 60_000 });
      await page.getByTestId('timeline').waitFor({ timeout: 60_000 });
    } finally {
      fs.writeFileSync(manifest, kept);
      fs.rmSync(path.join(out, 'samples'), { recursive: true, force: true });
    }
    await page.close();
  });

  it('several people: two tracks drawn, an AVI the browser cannot play falls back to the annotated MP4', async (t) => {
    const video = path.join(SHARED, 'data', 'videos', 'ntu_sample_hugging_2persons.avi');
    if (!svc['pose-multi']?.url) return t.skip(`pose-multi service unavailable: ${svc['pose-multi']?.reason}`);
    if (!fs.existsSync(video)) return t.skip(`${video} not present`);
    const page = await browser.context.newPage();
    await page.goto(front.base + '/');
    await page.getByTestId('file-input').setInputFiles(video);
    await page.getByLabel(/Several people/).check();
    await page.getByRole('button', { name: 'Upload and analyse' }).click();
    await page.waitForURL(/\/analysis\/\?service=pose-multi&id=/, { timeout: 300_000 });
    await page.getByTestId('timeline').waitFor({ timeout: 60_000 });
    // Chromium plays no AVI: the player says so and shows the service's annotated MP4
    await page.getByText(/cannot play/).waitFor({ timeout: 30_000 });
    const src = await page.$eval('[data-testid="video"]', (v) => v.currentSrc || v.src);
    assert.match(src, /\/api\/pose-multi\/v1\/jobs\/[^/]+\/video$/);
    await page.waitForFunction(() => document.querySelector('[data-testid="video"]').readyState >= 2, null, { timeout: 30_000 });
    await page.$eval('[data-testid="video"]', (v) => { v.currentTime = Math.min(1.5, v.duration / 2); });
    await page.waitForTimeout(500);
    const overlay = '[data-testid="stage"] canvas.overlay';
    assert.ok((await paintedPixels(page, overlay)) > 500, 'skeletons on the overlay');
    const rows = await page.getByTestId('timeline').locator('.tl-row').count();
    assert.ok(rows >= 2, `a timeline row per person (${rows})`);
    await screenshot(page, '09-result-multi');
    findings.push(...(await audit(page, 'analysis-multi')));
    await page.close();
  });

  it('a file that is not a video is rejected with the server message', async (t) => {
    if (!needPose(t)) return;
    const page = await browser.context.newPage();
    await page.goto(front.base + '/');
    const notVideo = path.join(dataDir, 'notes.mp4');
    fs.writeFileSync(notVideo, 'this is not a video, only text pretending to be one\n'.repeat(20));
    await page.getByTestId('file-input').setInputFiles(notVideo);
    await page.getByRole('button', { name: 'Upload and analyse' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'File rejected' });
    await alert.waitFor({ timeout: 30_000 });
    const text = await alert.textContent();
    // the server's own words, not a generic message
    const direct = await fetch(`${front.base}/api/pose-single/v1/videos`, {
      method: 'POST',
      body: (() => {
        const f = new FormData();
        f.append('file', new Blob([fs.readFileSync(notVideo)]), 'notes.mp4');
        return f;
      })(),
    });
    assert.equal(direct.status, 422);
    const { detail } = await direct.json();
    assert.ok(text.includes(detail), `alert "${text}" shows the server's "${detail}"`);
    await screenshot(page, '05-rejected');
    findings.push(...(await audit(page, 'upload-rejected')));
    await page.close();
  });

  it('live: the fake camera streams, skeletons are drawn and labels arrive', async (t) => {
    if (!needPose(t)) return;
    const page = await browser.context.newPage();
    const errors = consoleErrors(page);
    await page.goto(front.base + '/live/');
    if (svc.classifier?.url) await page.getByTestId('model-classes').locator('li').first().waitFor({ timeout: 30_000 });
    findings.push(...(await audit(page, 'live-stopped')));
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="received"]')?.textContent) >= 15, null, { timeout: 60_000 });
    // the picture the answer was computed from is drawn under its skeleton
    assert.ok((await paintedPixels(page, '[data-testid="picture"]')) > 1000, 'the analysed frame is drawn');
    assert.ok(Number(await page.getByTestId('overlay').getAttribute('data-seq')) >= 15, 'the overlay names the seq of its frame');
    assert.ok(Number(await page.getByTestId('camera-fps').textContent()) > 0, 'camera fps shown');
    // one (fake) camera: nothing to switch to
    const cams = await page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').length);
    assert.equal(await page.getByTestId('switch-camera').count(), cams > 1 ? 1 : 0, `camera switch with ${cams} camera(s)`);
    const painted = await paintedPixels(page, '[data-testid="overlay"]');
    const persons = await page.getByTestId('live-people').locator('li').count();
    assert.ok(painted > 300, `skeleton pixels on the live overlay: ${painted}`);
    assert.ok(persons >= 1);
    const fps = Number(await page.getByTestId('fps').textContent());
    const latency = Number(await page.getByTestId('latency').textContent());
    assert.ok(fps > 0, `fps ${fps}`);
    assert.ok(latency > 0, `latency ${latency}`);
    if (svc.classifier?.url) {
      await page.getByTestId('live-people').getByTestId('person-label').first().waitFor({ timeout: 30_000 });
      // the top three classes with their probabilities, live too
      await page.getByTestId('live-people').getByTestId('top-k').first().waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('live-people').getByTestId('top-k').first().locator('li').count(), 3);
    }
    await screenshot(page, '06-live');
    findings.push(...(await audit(page, 'live')));
    await page.getByRole('button', { name: 'Stop' }).click();
    // Stop clears the stage and the "Now" panel
    await page.getByTestId('live-people').getByText('Nothing analysed yet.').waitFor();
    assert.equal(await paintedPixels(page, '[data-testid="overlay"]'), 0, 'overlay cleared');
    assert.equal(await paintedPixels(page, '[data-testid="picture"]'), 0, 'picture cleared');
    assert.deepEqual(errors, [], 'no console errors on a normal visit');
    await page.close();
  });

  it('live: answers that stop are said within a second, and a 1013 close reconnects by itself', async (t) => {
    if (!needPose(t)) return;
    const page = await browser.context.newPage();
    let hold = false;
    const sockets = [];
    await page.routeWebSocket(/\/v1\/stream$/, (ws) => {
      const server = ws.connectToServer();
      sockets.push(ws);
      server.onMessage((m) => {
        if (!hold) ws.send(m);
      });
    });
    await page.goto(front.base + '/live/');
    await page.getByRole('button', { name: 'Start camera' }).click();
    const received = () => page.evaluate(() => Number(document.querySelector('[data-testid="received"]')?.textContent));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="received"]')?.textContent) >= 5, null, { timeout: 60_000 });
    hold = true;
    const t0 = Date.now();
    await page.getByTestId('stale-note').getByText(/Waiting for the server, \d+ s/).waitFor({ timeout: 5_000 });
    const saidAfter = Date.now() - t0;
    assert.ok(saidAfter < 2_000, `said within about a second (${saidAfter} ms)`);
    assert.equal(await page.getByTestId('live-stats').getAttribute('data-stale'), 'true');
    await screenshot(page, '06c-live-waiting');
    findings.push(...(await audit(page, 'live-waiting', { viewports: [{ width: 390, height: 844 }] })));
    assert.equal(await page.getByTestId('live-people').getAttribute('data-stale'), 'true', 'the Now panel is marked stale too');
    // the server closes as overloaded: the page says so and comes back by itself
    hold = false;
    const before = await received();
    await sockets.at(-1).close({ code: 1013, reason: 'overloaded' });
    await page.getByRole('alert').getByText(/Reconnecting by itself/).waitFor({ timeout: 5_000 });
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="received"]')?.textContent) > n + 3, before, { timeout: 30_000 });
    assert.ok(sockets.length >= 2, 'a second connection');
    assert.equal(await page.getByTestId('live-stats').getAttribute('data-stale'), 'false');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.close();
  });

  it('live through a proxy that holds the API key: the page streams without knowing the key', async (t) => {
    if (!needPose(t)) return;
    // a pose service that requires a key, and a second web app server that adds it (as HAR_API_KEY does)
    const keyed = await ensureService('pose-single', {
      dataDir, port: await freePort(), extraEnv: { HAR_POSE_SINGLE_API_KEY: 'e2e-secret', HAR_POSE_SINGLE_CLASSIFIER_URL: '' },
    });
    if (!keyed.url) return t.skip(`keyed pose-single unavailable: ${keyed.reason}`);
    const proxy = await startFrontend({ 'pose-single': keyed.url }, { apiKey: 'e2e-secret' });
    try {
      const page = await browser.context.newPage();
      await page.goto(proxy.base + '/live/');
      await page.getByRole('button', { name: 'Start camera' }).click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="received"]')?.textContent) >= 10, null, { timeout: 60_000 });
      assert.ok((await page.getByTestId('live-people').locator('li').count()) >= 1);
      await screenshot(page, '06b-live-keyed');
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.close();
      // the same service straight, without the key: refused (the key is what the proxy added)
      const r = await fetch(keyed.url + '/v1/info');
      assert.equal(r.status, 401);
    } finally {
      proxy.server.close();
    }
  });

  it('models page shows the classifier models (or says the service is down)', async () => {
    const page = await browser.context.newPage();
    const errors = consoleErrors(page);
    await page.goto(front.base + '/models/');
    if (svc.classifier?.url) {
      const table = page.getByTestId('model-table');
      await table.waitFor({ timeout: 30_000 });
      // the shipped models' real-video figures and licences, from their folders
      assert.match(await table.locator('tr[data-model="tcn_mocap"]').getByTestId('real-video').textContent(), /^\d+ \/ \d+\d+\.\d%$/);
      assert.match(await table.locator('tr[data-model="tcn_mocap"]').textContent(), /CC BY-NC 4\.0/);
      await screenshot(page, '07-models');
      findings.push(...(await audit(page, 'models')));
      await table.getByRole('button', { name: 'Show the card of tcn_mocap', exact: true }).click();
      await page.getByTestId('model-card').first().waitFor();
      const alt = await page.getByTestId('model-card').locator('img').first().getAttribute('alt');
      assert.match(alt, /^(Confusion matrix|Training curves) of tcn_mocap/);
      findings.push(...(await audit(page, 'models-card')));
    } else {
      const alert = page.locator('.error[role=alert]');
      await alert.waitFor();
      assert.match(await alert.textContent(), /classifier service/);
      await screenshot(page, '07-models');
      findings.push(...(await audit(page, 'models')));
    }
    if (svc.classifier?.url) assert.deepEqual(errors, [], 'no console errors on a normal visit');
    await page.close();
  });

  it('stream page follows the server setting (off by default)', async (t) => {
    if (!svc['pose-single']?.url) return t.skip('pose-single unavailable');
    const page = await browser.context.newPage();
    await page.goto(front.base + '/stream/');
    const info = await (await fetch(`${front.base}/api/pose-single/v1/info`)).json();
    if (info.allow_stream_urls) await page.getByLabel('Camera URL').waitFor();
    else await page.getByTestId('stream-disabled').waitFor();
    await screenshot(page, '08-stream');
    findings.push(...(await audit(page, 'stream')));
    await page.close();
  });

  it('every page fits 390 px without sideways scrolling and has no serious or critical axe violations', () => {
    assert.deepEqual(findings, []);
  });
});
