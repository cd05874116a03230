"""Onboarding pages: the member's checklist, the policy and the training modules
(under /onboarding/), and the managers' program pages (under /program/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts.forms import add_service_errors
from accounts.forms_onboarding import (
    AccessApplyForm,
    AccessDecisionForm,
    AccessRequestFilterForm,
    AcknowledgementFilterForm,
    ModuleForm,
    OnboardingSettingsForm,
    PolicyAcknowledgeForm,
    PolicyVersionForm,
    QuestionForm,
    QuizForm,
)
from accounts.models import AccessRequest, PolicyVersion, QuizQuestion, TrainingModule
from accounts.permissions import CURATORS, EVERYONE, OrganizationViewMixin
from accounts.selectors import get_for_organization
from accounts.selectors import onboarding as selectors
from accounts.services import onboarding as services
from accounts.views.listing import paginate

MEMBER_READ_WRITE = {"GET": EVERYONE, "POST": EVERYONE}
# POST-only endpoints also declare GET, so a curator who opens one by address gets 405
# Method Not Allowed rather than a misleading 403.
CURATOR_READ_WRITE = {"GET": CURATORS, "POST": CURATORS}


def _url(name: str, org_slug: str, **kwargs: Any) -> str:
    return reverse(f"accounts:{name}", kwargs={"org_slug": org_slug, **kwargs})


def _published_module(organization: Any, module_id: str) -> TrainingModule:
    """Members address published modules only; a draft answers 404 like a missing id."""
    module = get_for_organization(TrainingModule, organization, module_id)
    if not module.is_published:
        raise Http404("No such training module.")
    return module


# The member's pages ----------------------------------------------------------------------


class OnboardingView(OrganizationViewMixin, View):
    """The checklist, the policy's state, every published module and "apply for access"."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        status = selectors.onboarding_status(membership=self.membership)
        return render(
            request,
            "accounts/onboarding/home.html",
            {"onboarding": status, "apply_form": AccessApplyForm()},
        )


class PolicyView(OrganizationViewMixin, View):
    roles = MEMBER_READ_WRITE
    template_name = "accounts/onboarding/policy.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = PolicyAcknowledgeForm(request.POST)
        if form.is_valid():
            version = get_for_organization(PolicyVersion, self.organization, form.cleaned_data["version"])
            try:
                services.policy_acknowledge(membership=self.membership, version=version)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Thank you: you acknowledged version {version.number} of the policy.")
                return redirect("accounts:onboarding", org_slug=org_slug)
        return self._render(request, form, status=400)

    def _render(
        self, request: HttpRequest, form: PolicyAcknowledgeForm | None = None, status: int = 200
    ) -> HttpResponse:
        onboarding = selectors.onboarding_status(membership=self.membership)
        policy = onboarding.policy
        if form is None and policy is not None:
            form = PolicyAcknowledgeForm(initial={"version": policy.public_id})
        context = {"onboarding": onboarding, "policy": policy, "form": form}
        return render(request, self.template_name, context, status=status)


class ModuleView(OrganizationViewMixin, View):
    """A lesson and its quiz; POST submits the quiz and shows the result. Which questions
    were right is shown after submitting; the correct choices never are, so a retake is
    a fresh try rather than a copy."""

    roles = MEMBER_READ_WRITE
    template_name = "accounts/onboarding/module.html"

    def get(self, request: HttpRequest, org_slug: str, module_id: str) -> HttpResponse:
        module = _published_module(self.organization, module_id)
        questions = selectors.quiz_questions(module=module)
        return self._render(request, module, QuizForm(questions=questions))

    def post(self, request: HttpRequest, org_slug: str, module_id: str) -> HttpResponse:
        module = _published_module(self.organization, module_id)
        questions = selectors.quiz_questions(module=module)
        form = QuizForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                attempt = services.quiz_submit(membership=self.membership, module=module, answers=form.answers())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if attempt.passed:
                    messages.success(request, f"You passed “{module.title}” with {attempt.score}%.")
                else:
                    messages.warning(
                        request,
                        f"You scored {attempt.score}%; {module.pass_mark}% passes. Read the lesson again and retry.",
                    )
                return self._render(request, module, QuizForm(questions=questions), attempt=attempt)
        return self._render(request, module, form, status=400)

    def _render(
        self,
        request: HttpRequest,
        module: TrainingModule,
        form: QuizForm,
        attempt: Any = None,
        status: int = 200,
    ) -> HttpResponse:
        attempts = selectors.attempts_of(membership=self.membership, module=module)
        context = {
            "module": module,
            "form": form,
            "attempt": attempt,
            "passed": any(a.passed for a in attempts),
            "attempt_count": len(attempts),
            "right_questions": set(attempt.correct_questions) if attempt else set(),
            "questions": form.questions,
        }
        return render(request, self.template_name, context, status=status)


class AccessApplyView(OrganizationViewMixin, View):
    roles = MEMBER_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AccessApplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Keep the note to 500 characters or fewer.")
            return redirect("accounts:onboarding", org_slug=org_slug)
        try:
            services.access_request_apply(membership=self.membership, message=form.cleaned_data["message"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "You applied for sharing access. A manager will decide soon.")
        return redirect("accounts:onboarding", org_slug=org_slug)


# The program (managers and admins) ---------------------------------------------------------


class ProgramView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        overview = selectors.program_overview(organization=self.organization)
        return render(request, "accounts/onboarding/program.html", overview)


class PolicyVersionListView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        versions = selectors.policy_version_list(organization=self.organization)
        return render(
            request,
            "accounts/onboarding/policy_list.html",
            {"page_obj": paginate(request, versions), "draft": selectors.policy_draft(organization=self.organization)},
        )


class PolicyVersionCreateView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE
    template_name = "accounts/onboarding/policy_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        draft = selectors.policy_draft(organization=self.organization)
        if draft is not None:
            messages.info(request, "There is already a draft; continue it here.")
            return redirect(_url("program_policy_detail", org_slug, policy_id=draft.public_id))
        current = selectors.current_policy(organization=self.organization)
        # A new version starts from the current text, so a manager edits rather than retypes.
        initial = {"title": current.title, "body": current.body} if current else {}
        return render(request, self.template_name, {"form": PolicyVersionForm(initial=initial), "current": current})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = PolicyVersionForm(request.POST)
        if form.is_valid():
            try:
                version = services.policy_draft_save(
                    organization=self.organization, author=self.membership, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The draft was saved. Publish it when it is ready.")
                return redirect(_url("program_policy_detail", org_slug, policy_id=version.public_id))
        current = selectors.current_policy(organization=self.organization)
        return render(request, self.template_name, {"form": form, "current": current}, status=400)


class PolicyVersionDetailView(OrganizationViewMixin, View):
    """A published version (read only) or the draft (edit here, publish or discard)."""

    roles = CURATOR_READ_WRITE
    template_name = "accounts/onboarding/policy_detail.html"

    def get(self, request: HttpRequest, org_slug: str, policy_id: str) -> HttpResponse:
        version = get_for_organization(PolicyVersion, self.organization, policy_id)
        form = None if version.is_published else PolicyVersionForm(initial=self._initial(version))
        return self._render(request, version, form)

    def post(self, request: HttpRequest, org_slug: str, policy_id: str) -> HttpResponse:
        version = get_for_organization(PolicyVersion, self.organization, policy_id)
        form = PolicyVersionForm(request.POST)
        if form.is_valid():
            try:
                services.policy_draft_save(organization=self.organization, version=version, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The draft was saved.")
                return redirect(_url("program_policy_detail", org_slug, policy_id=version.public_id))
        version.refresh_from_db()
        return self._render(request, version, form, status=400)

    @staticmethod
    def _initial(version: PolicyVersion) -> dict[str, str]:
        return {"title": version.title, "body": version.body, "change_summary": version.change_summary}

    def _render(
        self, request: HttpRequest, version: PolicyVersion, form: PolicyVersionForm | None, status: int = 200
    ) -> HttpResponse:
        context = {
            "version": version,
            "form": form,
            "current": selectors.current_policy(organization=self.organization),
        }
        return render(request, self.template_name, context, status=status)


class PolicyVersionPublishView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, policy_id: str) -> HttpResponse:
        version = get_for_organization(PolicyVersion, self.organization, policy_id)
        try:
            version = services.policy_publish(version=version, publisher=self.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_url("program_policy_detail", org_slug, policy_id=version.public_id))
        messages.success(request, f"Version {version.number} is published. Every member is asked to acknowledge it.")
        return redirect("accounts:program_policy_list", org_slug=org_slug)


class PolicyVersionDeleteView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, policy_id: str) -> HttpResponse:
        version = get_for_organization(PolicyVersion, self.organization, policy_id)
        try:
            services.policy_draft_discard(version=version)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_url("program_policy_detail", org_slug, policy_id=version.public_id))
        messages.success(request, "The draft was discarded.")
        return redirect("accounts:program_policy_list", org_slug=org_slug)


class AcknowledgementReportView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = AcknowledgementFilterForm(request.GET or None, organization=self.organization)
        policy, members, counts = selectors.acknowledgement_report(
            organization=self.organization, **filter_form.filters()
        )
        context = {
            "filter_form": filter_form,
            "policy": policy,
            "counts": counts,
            "page_obj": paginate(request, members),
        }
        return render(request, "accounts/onboarding/acknowledgements.html", context)


# Modules -----------------------------------------------------------------------------------


class ModuleListView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        modules = selectors.module_list(organization=self.organization)
        return render(request, "accounts/onboarding/module_list.html", {"modules": modules})


class ModuleCreateView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE
    template_name = "accounts/onboarding/module_create.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, self.template_name, {"form": ModuleForm()})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ModuleForm(request.POST)
        if form.is_valid():
            try:
                module = services.module_save(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{module.title}” was created. Now add its quiz questions.")
                return redirect(_url("program_module_edit", org_slug, module_id=module.public_id))
        return render(request, self.template_name, {"form": form}, status=400)


class ModuleEditView(OrganizationViewMixin, View):
    """The module's fields (POST here) and its quiz (questions have their own pages)."""

    roles = CURATOR_READ_WRITE
    template_name = "accounts/onboarding/module_edit.html"

    def get(self, request: HttpRequest, org_slug: str, module_id: str) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        return self._render(request, module, ModuleForm(initial=ModuleForm.initial_for(module)))

    def post(self, request: HttpRequest, org_slug: str, module_id: str) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        form = ModuleForm(request.POST)
        if form.is_valid():
            try:
                services.module_save(organization=self.organization, module=module, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{module.title}” was saved.")
                return redirect(_url("program_module_edit", org_slug, module_id=module.public_id))
        module.refresh_from_db()
        return self._render(request, module, form, status=400)

    def _render(
        self, request: HttpRequest, module: TrainingModule, form: ModuleForm, status: int = 200
    ) -> HttpResponse:
        context = {"module": module, "form": form, "questions": selectors.quiz_questions(module=module)}
        return render(request, self.template_name, context, status=status)


class ModulePublishView(OrganizationViewMixin, View):
    """POST publish=1 publishes, publish=0 hides the module from members again."""

    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, module_id: str) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        try:
            if request.POST.get("publish") == "0":
                services.module_unpublish(module=module)
                messages.success(request, f"“{module.title}” is hidden from members.")
            else:
                services.module_publish(module=module)
                messages.success(request, f"“{module.title}” is published.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(_url("program_module_edit", org_slug, module_id=module.public_id))


class ModuleDeleteView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, module_id: str) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        services.module_delete(module=module)
        messages.success(request, f"“{module.title}” and its quiz results were deleted.")
        return redirect("accounts:program_module_list", org_slug=org_slug)


def _question_of(organization: Any, module: TrainingModule, question_id: str) -> QuizQuestion:
    question = get_for_organization(QuizQuestion, organization, question_id)
    if question.module_id != module.pk:
        raise Http404("No such question in this module.")
    return question


class QuestionFormView(OrganizationViewMixin, View):
    """Add a question (no question_id) or replace one and its choices."""

    roles = CURATOR_READ_WRITE
    template_name = "accounts/onboarding/question_form.html"

    def get(self, request: HttpRequest, org_slug: str, module_id: str, question_id: str | None = None) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        question = _question_of(self.organization, module, question_id) if question_id else None
        form = QuestionForm(initial=QuestionForm.initial_for(question) if question else {"correct_1": True})
        return self._render(request, module, question, form)

    def post(self, request: HttpRequest, org_slug: str, module_id: str, question_id: str | None = None) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        question = _question_of(self.organization, module, question_id) if question_id else None
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.question_save(
                    module=module, question=question, text=form.cleaned_data["text"], choices=form.choice_inputs()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The question was saved.")
                return redirect(_url("program_module_edit", org_slug, module_id=module.public_id))
        return self._render(request, module, question, form, status=400)

    def _render(
        self,
        request: HttpRequest,
        module: TrainingModule,
        question: QuizQuestion | None,
        form: QuestionForm,
        status: int = 200,
    ) -> HttpResponse:
        context = {"module": module, "question": question, "form": form}
        return render(request, self.template_name, context, status=status)


class QuestionDeleteView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, module_id: str, question_id: str) -> HttpResponse:
        module = get_for_organization(TrainingModule, self.organization, module_id)
        question = _question_of(self.organization, module, question_id)
        try:
            services.question_delete(question=question)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The question was deleted.")
        return redirect(_url("program_module_edit", org_slug, module_id=module.public_id))


# Access requests and settings ------------------------------------------------------------


class AccessRequestListView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = AccessRequestFilterForm(request.GET or {"status": "pending"})
        requests = selectors.access_request_list(organization=self.organization, **filter_form.filters())
        context = {
            "filter_form": filter_form,
            "page_obj": paginate(request, requests),
            "settings": selectors.onboarding_settings(organization=self.organization),
        }
        return render(request, "accounts/onboarding/access_requests.html", context)


class AccessRequestDecideView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, request_id: str) -> HttpResponse:
        access_request = get_for_organization(AccessRequest, self.organization, request_id)
        form = AccessDecisionForm(request.POST)
        back = _url("program_access_requests", org_slug)
        if not form.is_valid():
            messages.error(request, "Choose to approve or decline.")
            return redirect(back)
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.access_request_decide(
                access_request=access_request,
                decider=self.membership,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            who = access_request.membership.user
            messages.success(request, f"{who} may now share." if approve else f"{who}'s request was declined.")
        return redirect(back)


class OnboardingSettingsView(OrganizationViewMixin, View):
    roles = CURATOR_READ_WRITE
    template_name = "accounts/onboarding/settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        current = selectors.onboarding_settings(organization=self.organization)
        form = OnboardingSettingsForm(
            initial={
                "certification_required_to_share": current.certification_required_to_share,
                "access_approval_required": current.access_approval_required,
            }
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = OnboardingSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.onboarding_settings_update(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The sharing rules were saved.")
                return redirect("accounts:program_settings", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=400)
