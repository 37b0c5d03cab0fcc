// The audio playground: transcribe or translate a file or a microphone recording (MediaRecorder), shown as a timed
// transcript that plays the audio from a clicked segment; and text to speech with its cost before sending.
(function () {
  "use strict";
  var P = window.Playground;
  var data = P.pageData();
  var $ = function (id) { return document.getElementById(id); };
  var session = new P.Session("audio", data, $("session-status"), $("session-title"));
  var state = (data.session && data.session.state) || {};
  var sttDeployments = data.deployments.filter(function (d) { return !d.speech; });
  var ttsDeployments = data.deployments.filter(function (d) { return d.speech; });
  var source = null;  // {blob, name}: the file picked, the recording, or the speech made here
  var sourceUrl = null;
  var speech = null;  // {blob, format}
  var lastTranscript = state.transcript || null;
  var speechAudio = state.speech_audio || null;  // {url, format}: the speech Studio kept with the session

  P.pickDeployments($("stt-deployment"), sttDeployments, state.stt_deployment || data.preselect);
  P.pickDeployments($("tts-deployment"), ttsDeployments, state.tts_deployment || data.preselect);
  if (!sttDeployments.length) $("stt-note").textContent = "No Whisper deployment yet; an Admin adds them under Deployments.";
  if (!ttsDeployments.length) $("tts-note").textContent = "No text-to-speech deployment yet.";
  function stt() { return P.selected($("stt-deployment"), sttDeployments); }
  function tts() { return P.selected($("tts-deployment"), ttsDeployments); }

  function describeStt() {
    var d = stt();
    $("local-note").hidden = !(d && d.local);
    $("stt-note").textContent = d ? (d.per_second ? "Billed per audio second: " + P.money(d.per_second, d.currency) + " a second." : "No price for this model.") : $("stt-note").textContent;
    $("language-field").hidden = $("task").value === "translate";
    $("granularity-field").hidden = $("response_format").value !== "verbose_json" || $("task").value === "translate";
  }
  ["stt-deployment", "task", "response_format"].forEach(function (id) { $(id).addEventListener("change", describeStt); });

  function describeTts() {
    var d = tts();
    var text = $("speech-text").value;
    var chars = text.length;
    var cost = d && d.per_million_characters ? Number(d.per_million_characters) * chars / 1e6 : null;
    $("speech-count").textContent = chars + " / " + data.speech_limit + " characters · " +
      (cost === null ? "no price for this model" : "costs " + P.money(cost, d.currency) + " before you send");
    if (d && d.local && $("speech-format").value === "mp3" && !state.speech_format) $("speech-format").value = "wav";
  }
  $("tts-deployment").addEventListener("change", describeTts);
  $("speech-text").addEventListener("input", describeTts);
  $("speed").addEventListener("input", function () { $("speed-out").textContent = $("speed").value; });

  function useSource(blob, name, kept) {
    source = {blob: blob, name: name};
    if (sourceUrl) URL.revokeObjectURL(sourceUrl);
    sourceUrl = URL.createObjectURL(blob);
    $("source-player").src = sourceUrl;
    $("source-player").hidden = false;
    $("source-name").hidden = false;
    $("source-name").textContent = name + (kept ? " (kept with this session)" : "");
  }

  $("audio-file").addEventListener("change", function () {
    var file = this.files[0];
    P.clearError($("stt-error"));
    if (!file) return;
    if (file.size > data.upload_limit) {
      P.showError($("stt-error"), {message: file.name + " is " + (file.size / 1048576).toFixed(1) + " MB; Whisper takes at most " +
        (data.upload_limit / 1048576).toFixed(1) + " MB per file. Nothing was sent: shorten or compress it."});
    }
    useSource(file, file.name);
  });

  // The microphone, through MediaRecorder: press to start, press again to stop.
  var recorder = null;
  $("record").addEventListener("click", function () {
    if (recorder && recorder.state === "recording") { recorder.stop(); return; }
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      $("record-status").textContent = "This browser cannot record audio.";
      return;
    }
    navigator.mediaDevices.getUserMedia({audio: true}).then(function (stream) {
      var chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = function (event) { if (event.data.size) chunks.push(event.data); };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        var type = recorder.mimeType || "audio/webm";
        var extension = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
        useSource(new Blob(chunks, {type: type}), "recording." + extension);
        $("record").textContent = "Record";
        $("record-status").textContent = "Recorded; transcribe it, or record again.";
      };
      recorder.start();
      $("record").textContent = "Stop recording";
      $("record-status").textContent = "Recording…";
    }, function (error) {
      $("record-status").textContent = "The microphone is not available: " + error.message;
    });
  });

  function duration() {
    var seconds = $("source-player").duration;
    return isFinite(seconds) ? seconds : "";
  }

  function sttFields() {
    var fields = {task: $("task").value, response_format: $("response_format").value,
                  temperature: $("stt-temperature").value, prompt: $("stt-prompt").value};
    if (fields.task !== "translate") fields.language = $("language").value;
    var granularities = [];
    if (!$("granularity-field").hidden) {
      if ($("gran-segment").checked) granularities.push("segment");
      if ($("gran-word").checked) granularities.push("word");
    }
    fields.granularities = granularities;
    return fields;
  }

  function play(from) {
    var player = $("source-player");
    if (!player.src) return;
    player.currentTime = from;
    player.play().catch(function () {});
  }

  function showTranscript(result) {
    var box = $("transcript");
    box.textContent = "";
    $("transcript-raw").hidden = true;
    var body = result.body;
    if (body && body.segments && body.segments.length) {
      body.segments.forEach(function (segment) {
        var button = P.el("button", {type: "button", className: "segment", "data-start": String(segment.start),
          title: "Play from " + segment.start.toFixed(2) + " s"});
        button.appendChild(P.el("span", {className: "segment-time"}, segment.start.toFixed(2) + "–" + segment.end.toFixed(2) + " s"));
        button.appendChild(P.el("span", {className: "segment-text"}, segment.text.trim()));
        button.addEventListener("click", function () { play(segment.start); });
        box.appendChild(button);
      });
      if (body.words && body.words.length) {
        var words = P.el("p", {className: "words"});
        body.words.forEach(function (w) {
          var word = P.el("button", {type: "button", className: "word", title: w.start.toFixed(2) + " s"}, w.word);
          word.addEventListener("click", function () { play(w.start); });
          words.appendChild(word);
          words.append(" ");
        });
        box.appendChild(words);
      }
      box.appendChild(P.el("p", {className: "transcript-text"}, body.text));
    } else if (result.response_format === "json") {
      box.appendChild(P.el("p", {className: "transcript-text"}, result.text));
    } else {
      $("transcript-raw").hidden = false;
      $("transcript-raw").textContent = result.text;
    }
    $("stt-figures").textContent = [
      result.task === "translate" ? "Translated into English" : "Transcribed",
      result.seconds !== null && result.seconds !== undefined ? Number(result.seconds).toFixed(1) + " s of audio" : "length unknown",
      P.money(result.cost, result.currency), result.latency_ms + " ms",
      result.request_id ? "request id " + result.request_id : ""].filter(Boolean).join(" · ");
  }

  function snapshot() {
    return {stt_deployment: (stt() || {}).id, tts_deployment: (tts() || {}).id, fields: sttFields(),
            transcript: lastTranscript, speech_text: $("speech-text").value, voice: $("voice").value,
            speech_format: $("speech-format").value, speed: $("speed").value, speech_audio: speechAudio};
  }

  function transcribe() {
    var d = stt();
    P.clearError($("stt-error"));
    if (!d) return;
    if (!source) { P.showError($("stt-error"), {message: "Choose an audio file or record one first."}); return; }
    if (source.blob.size > data.upload_limit) {
      P.showError($("stt-error"), {message: source.name + " is " + (source.blob.size / 1048576).toFixed(1) +
        " MB; Whisper takes at most " + (data.upload_limit / 1048576).toFixed(1) + " MB per file. Nothing was sent."});
      return;
    }
    var form = new FormData();
    form.append("file", source.blob, source.name);
    form.append("deployment", d.id);
    form.append("duration", duration());
    var fields = sttFields();
    Object.keys(fields).forEach(function (key) {
      if (key === "granularities") fields[key].forEach(function (g) { form.append("granularities", g); });
      else if (fields[key] !== undefined) form.append(key, fields[key]);
    });
    $("transcribe").disabled = true;
    // The session exists before the call, so that Studio keeps the audio with it and a reopened session plays it.
    session.ensure(snapshot()).then(function (sessionId) {
      if (sessionId) form.append("session", sessionId);
      return P.postForm("/playground/audio/transcribe/", form);
    }).then(function (answer) {
      $("transcribe").disabled = false;
      if (!answer.ok) { P.showError($("stt-error"), answer.data); return; }
      lastTranscript = answer.data;
      showTranscript(answer.data);
      session.save(snapshot());
    });
  }

  function speak() {
    var d = tts();
    P.clearError($("tts-error"));
    if (!d) return;
    $("speak").disabled = true;
    var body = {deployment: d.id, input: $("speech-text").value, voice: $("voice").value,
                response_format: $("speech-format").value, speed: parseFloat($("speed").value)};
    session.ensure(snapshot()).then(function (sessionId) {
      body.session = sessionId;
      return fetch("/playground/audio/speech/", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": P.csrf}, body: JSON.stringify(body)});
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (answer) { P.showError($("tts-error"), answer); },
          function () { P.showError($("tts-error"), {message: "The request failed (HTTP " + response.status + ")."}); });
      }
      return response.blob().then(function (blob) {
        speech = {blob: blob, format: body.response_format};
        var kept = response.headers.get("X-Studio-Audio-Url");
        speechAudio = kept ? {url: kept, format: body.response_format} : null;
        $("speech-result").hidden = false;
        $("speech-player").src = URL.createObjectURL(blob);
        $("tts-figures").textContent = [response.headers.get("X-Studio-Characters") + " characters",
          P.money(response.headers.get("X-Studio-Cost"), response.headers.get("X-Studio-Currency")),
          response.headers.get("X-Studio-Latency-Ms") + " ms",
          response.headers.get("X-Studio-Request-Id") ? "request id " + response.headers.get("X-Studio-Request-Id") : ""]
          .filter(Boolean).join(" · ");
        session.save(snapshot());
      });
    }, function () { P.showError($("tts-error"), {message: "Studio could not be reached."}); })
      .then(function () { $("speak").disabled = false; });
  }

  $("transcribe").disabled = $("speak").disabled = !data.can_send;
  $("transcribe").addEventListener("click", transcribe);
  $("speak").addEventListener("click", speak);
  $("speech-download").addEventListener("click", function () { if (speech) P.download(speech.blob, "speech." + speech.format); });
  $("speech-to-stt").addEventListener("click", function () {
    if (!speech) return;
    useSource(speech.blob, "speech." + speech.format);
    $("stt").scrollIntoView();
  });
  $("stt-code").addEventListener("click", function () {
    var d = stt();
    if (!d) return;
    var fields = sttFields();
    var body = {response_format: fields.response_format};
    if (fields.language) body.language = fields.language;
    if (fields.prompt) body.prompt = fields.prompt;
    if (fields.temperature !== "" && Number(fields.temperature) !== 0) body.temperature = Number(fields.temperature);
    if (fields.granularities.length) body.timestamp_granularities = fields.granularities;
    P.viewCode($("code-dialog"), "/playground/audio/code/", {deployment: d.id, body: body,
      operation: fields.task === "translate" ? "audio/translations" : "audio/transcriptions",
      filename: source ? source.name : "audio.wav"});
  });
  $("tts-code").addEventListener("click", function () {
    var d = tts();
    if (!d) return;
    P.viewCode($("code-dialog"), "/playground/audio/code/", {deployment: d.id, operation: "audio/speech",
      body: {input: $("speech-text").value, voice: $("voice").value, response_format: $("speech-format").value,
             speed: parseFloat($("speed").value)}});
  });

  var f = state.fields || {};
  if (f.task) $("task").value = f.task;
  if (f.response_format) $("response_format").value = f.response_format;
  if (f.language) $("language").value = f.language;
  if (f.prompt) $("stt-prompt").value = f.prompt;
  if (f.temperature !== undefined) $("stt-temperature").value = f.temperature;
  if (state.speech_text) $("speech-text").value = state.speech_text;
  if (state.voice) $("voice").value = state.voice;
  if (state.speech_format) $("speech-format").value = state.speech_format;
  if (state.speed) { $("speed").value = state.speed; $("speed-out").textContent = state.speed; }
  describeStt();
  describeTts();
  if (lastTranscript) showTranscript(lastTranscript);

  // A reopened session plays its audio again: Studio kept the transcribed file and the speech with it.
  function fetchKept(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      return response.ok ? response.blob() : null;
    }, function () { return null; });
  }
  var keptSource = lastTranscript && lastTranscript.source_audio;
  if (keptSource) {
    fetchKept(keptSource.url).then(function (blob) { if (blob) useSource(blob, keptSource.name, true); });
  }
  if (speechAudio) {
    fetchKept(speechAudio.url).then(function (blob) {
      if (!blob) return;
      speech = {blob: blob, format: speechAudio.format};
      $("speech-result").hidden = false;
      $("speech-player").src = URL.createObjectURL(blob);
    });
  }
})();
